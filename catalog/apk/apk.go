// Package apk catalogs Alpine packages (and those of other apk-based
// distributions such as Wolfi) from apk's installed database.
package apk

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/purl"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// dbPaths are where apk keeps its database: lib/apk/db on Alpine, and the
// same under usr/ on merged-/usr systems, where lib is a link to usr/lib
// and a layer therefore stores the file under usr/lib.
func dbPaths() []string {
	return []string{"lib/apk/db/installed", "usr/lib/apk/db/installed"}
}

// Cataloger reads apk's installed database.
type Cataloger struct{}

// New returns an apk cataloger.
func New() *Cataloger { return &Cataloger{} }

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "apk" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string { return dbPaths() }

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	read := map[string]bool{} // resolved paths already read
	for _, p := range dbPaths() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		info, err := fsys.Stat(p)
		if err != nil || read[info.Path] {
			continue // absent, or the same file through a link
		}
		read[info.Path] = true
		found, err := c.fromDB(ctx, fsys, env, info.Path)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, found...)
	}
	return pkgs, nil
}

// fromDB reads the database at realPath, a resolved path: the one a layer
// wrote, which History needs, and the one reported.
func (c *Cataloger) fromDB(ctx context.Context, fsys *layerfs.FS, env *catalog.Env, realPath string) ([]inventory.Package, error) {
	data, layer, err := fsys.ReadFile(realPath)
	if err != nil {
		return nil, fmt.Errorf("failed to read apk database: %w", err)
	}
	entries, problems := ParseInstalled(data)
	for _, p := range problems {
		env.Warn(layer, "/"+realPath, p)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	introduced := catalog.IntroducedIn(fsys.History(realPath), func(b []byte) map[string]bool {
		es, _ := parse(b, false)
		keys := make(map[string]bool, len(es))
		for _, e := range es {
			keys[e.key()] = true
		}
		return keys
	})

	namespace := "alpine"
	if env.OS != nil && env.OS.ID != "" {
		namespace = env.OS.ID
	}
	ecosystem, distro := Ecosystem(env.OS), purl.Distro(env.OS)
	pkgs := make([]inventory.Package, 0, len(entries))
	for _, e := range entries {
		p := inventory.Package{
			Name:          e.Name,
			Version:       e.Version,
			SourceName:    e.Origin,
			SourceVersion: e.Version, // apk builds every subpackage of an aport at the aport's version
			Arch:          e.Arch,
			Type:          inventory.TypeApk,
			Ecosystem:     ecosystem,
			Licenses:      licenses(e.License),
			Layer:         layer,
			Locations:     []string{"/" + realPath},
			Files:         e.Files,
		}
		if p.SourceName == "" {
			p.SourceName = p.Name
		}
		if l, ok := introduced[e.key()]; ok {
			p.Layer = l
		}
		p.PURL = purl.OSPackage{
			Type:      inventory.TypeApk,
			Namespace: namespace,
			Name:      p.Name,
			Version:   p.Version,
			Arch:      p.Arch,
			Distro:    distro,
			Upstream:  purl.Upstream(p.Name, p.Version, p.SourceName, p.SourceVersion),
		}.String()
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// Ecosystem returns the OSV ecosystem of apk packages on os: "Alpine:v3.21"
// for Alpine 3.21.x, "Wolfi" and "Chainguard" for those distributions, and
// "" otherwise.
//
// OSV publishes Alpine advisories per release branch. Alpine edge has no
// branch (its VERSION_ID is a pre-release such as "3.22_alpha20250108"),
// and naming the next branch would be a guess, so edge gets no ecosystem,
// as does an Alpine without os-release; matchers must treat "" as unknown.
func Ecosystem(os *inventory.OS) string {
	if os == nil {
		return ""
	}
	switch os.ID {
	case "alpine":
		if b := releaseBranch(os.VersionID); b != "" {
			return "Alpine:v" + b
		}
	case "wolfi":
		return "Wolfi"
	case "chainguard":
		return "Chainguard"
	}
	return ""
}

// releaseBranch returns "X.Y" for a VERSION_ID "X.Y" or "X.Y.Z" made of
// digits only, and "" otherwise.
func releaseBranch(versionID string) string {
	parts := strings.Split(versionID, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return ""
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return parts[0] + "." + parts[1]
}

// licenses turns the declared L: field into a list when it is one. Older
// packages declare space-separated names ("MIT BSD GPL2+"); newer ones an
// SPDX expression. A plain list, or a conjunction of identifiers ("MIT AND
// BSD-3-Clause"), is split into its names, since every one of them applies.
// An expression with OR, WITH or parentheses is kept as declared: splitting
// it would change what it says.
func licenses(declared string) []string {
	declared = strings.TrimSpace(declared)
	if declared == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Fields(declared) {
		switch {
		case strings.EqualFold(f, "AND"):
			continue
		case strings.EqualFold(f, "OR"), strings.EqualFold(f, "WITH"), strings.ContainsAny(f, "()"):
			return []string{declared}
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
