// Package table writes an inventory as a table for people to read:
// NAME VERSION TYPE SOURCE LAYER, one package a line, sorted, then a
// one-line summary.
//
// Values come from scanned images and may be hostile: control and format
// characters (escape sequences, bidirectional overrides) are shown as "?",
// so that a package name cannot rewrite the terminal, and values longer
// than their column's width are cut with "…".
package table

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigil-dev/vigil/internal/termtext"

	"github.com/vigil-dev/vigil/inventory"
)

// Column widths, in characters.
const (
	nameWidth    = 40
	versionWidth = 32
	typeWidth    = 10
	sourceWidth  = 40
	summaryWidth = 80
)

// Encode writes inv to w as a table. It does not modify inv.
func Encode(w io.Writer, inv *inventory.Inventory) error {
	if inv == nil {
		return errors.New("table: nil inventory")
	}
	sorted := inventory.Inventory{Packages: slices.Clone(inv.Packages)}
	sorted.Sort()
	// Sort puts type first; people look for names.
	slices.SortStableFunc(sorted.Packages, func(a, b inventory.Package) int {
		return strings.Compare(a.Name, b.Name)
	})

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tTYPE\tSOURCE\tLAYER")
	for _, p := range sorted.Packages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n",
			termtext.Cell(p.Name, nameWidth),
			termtext.Cell(p.Version, versionWidth),
			termtext.Cell(p.Type, typeWidth),
			termtext.Cell(source(p), sourceWidth),
			layer(p.Layer, len(inv.Layers)),
		)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, summary(inv))
	return err
}

// source is the source package, with its version when that differs from
// the package's.
func source(p inventory.Package) string {
	if p.SourceName == "" {
		return ""
	}
	if p.SourceVersion == "" || p.SourceVersion == p.Version {
		return p.SourceName
	}
	return p.SourceName + " " + p.SourceVersion
}

func layer(i, n int) string {
	if i < 0 || (n > 0 && i >= n) {
		return "-"
	}
	return strconv.Itoa(i)
}

func summary(inv *inventory.Inventory) string {
	var b strings.Builder
	b.WriteString(plural(len(inv.Packages), "package"))
	if n := len(inv.Warnings); n > 0 {
		b.WriteString(", " + plural(n, "warning"))
	}
	osName := "unknown"
	if o := inv.OS; o != nil {
		switch {
		case o.PrettyName != "":
			osName = o.PrettyName
		case o.ID != "":
			osName = strings.TrimSpace(o.ID + " " + o.VersionID)
		}
	}
	b.WriteString(", OS: " + termtext.Cell(osName, summaryWidth))
	image := inv.Source.Name
	if image == "" {
		image = inv.Source.Ref
	}
	if image != "" {
		b.WriteString(", image: " + termtext.Cell(image, summaryWidth))
	}
	digest := inv.Source.ManifestDigest
	if digest == "" {
		digest = inv.Source.ConfigDigest
	}
	if digest != "" {
		b.WriteString(" (" + termtext.Cell(shortDigest(digest), summaryWidth) + ")")
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// shortDigest shortens "sha256:<64 hex>" to "sha256:<12 hex>".
func shortDigest(d string) string {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return alg + ":" + hex[:12]
}
