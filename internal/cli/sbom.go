package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/term"

	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/sbom"
	"github.com/vigil-dev/vigil/scan"
)

func sbomCommand() *command {
	c := &command{
		name:    "sbom",
		summary: "list the packages in an image or directory as an SBOM",
		usage:   "[flags] SOURCE",
		example: "vigil sbom docker-archive:app.tar --format cyclonedx-json -o app.cdx.json",
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := newFlagSet(e, c)
		format := fs.String("format", "table", "output format: "+strings.Join(sbom.Formats(), ", "))
		fs.StringVar(format, "f", "table", "shorthand for --format")
		output := fs.String("o", "", "write the SBOM to this file instead of standard output")
		fs.StringVar(output, "output", "", "same as -o")
		so := addSourceFlags(fs)
		pos, err := parseInterspersed(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usageError("want exactly one SOURCE, got %d", len(pos))
		}
		if !slices.Contains(sbom.Formats(), *format) {
			return usageError("unknown format %q (want one of %s)", *format, strings.Join(sbom.Formats(), ", "))
		}
		inv, err := so.inventory(ctx, e, pos[0])
		if err != nil {
			return err
		}
		return writeOutput(e, *output, func(w io.Writer) error { return sbom.Encode(w, *format, inv) })
	}
	return c
}

// sourceFlags are the flags of every command that reads an image.
type sourceFlags struct {
	insecure, noCache, quiet, verbose bool
	platform                          string
}

func addSourceFlags(fs interface {
	BoolVar(*bool, string, bool, string)
	StringVar(*string, string, string, string)
}) *sourceFlags {
	s := &sourceFlags{}
	fs.BoolVar(&s.insecure, "insecure", false, "allow plain HTTP and unverified TLS registries (for loopback registries)")
	fs.StringVar(&s.platform, "platform", "", "platform to pick from a multi-platform image, os/arch[/variant] (default linux/<host arch>)")
	fs.BoolVar(&s.noCache, "no-cache", false, "do not read or write the layer cache")
	fs.BoolVar(&s.quiet, "quiet", false, "no progress display and no warnings on standard error")
	fs.BoolVar(&s.quiet, "q", false, "shorthand for --quiet")
	fs.BoolVar(&s.verbose, "verbose", false, "log debugging detail to standard error")
	return s
}

func (s *sourceFlags) inventory(ctx context.Context, e *env, source string) (*inventory.Inventory, error) {
	inv, _, err := s.inventoryAndConfig(ctx, e, source, nil)
	return inv, err
}

// inventoryAndConfig opens source, catalogs it (running the analyzers that
// analyzers returns for the image's configuration, if it is set) and
// returns its inventory and image configuration (nil for directories),
// printing warnings unless --quiet.
func (s *sourceFlags) inventoryAndConfig(ctx context.Context, e *env, source string, analyzers func(*v1.ConfigFile) []scan.Analyzer) (*inventory.Inventory, *v1.ConfigFile, error) {
	opts := scan.Options{
		Image:  image.Options{Insecure: s.insecure, Platform: s.platform},
		Logger: newLogger(e.stderr, s.verbose),
	}
	if s.quiet {
		opts.Logger = newLogger(io.Discard, false)
	}
	if !s.noCache {
		dir, err := cacheDir(e)
		if err != nil {
			return nil, nil, err
		}
		c, err := layercache.Open(dir)
		if err != nil {
			return nil, nil, err
		}
		opts.Cache = c
	}
	if !s.quiet && isTerminal(e.stderr) {
		opts.Progress = newProgressBar(e.stderr)
	}
	img, err := image.Open(ctx, source, opts.Image)
	if err != nil {
		return nil, nil, err
	}
	defer img.Close()
	if analyzers != nil {
		opts.Analyzers = analyzers(img.Config)
	}
	inv, err := scan.InventoryImage(ctx, img, opts)
	if err != nil {
		return nil, nil, err
	}
	if !s.quiet {
		printWarnings(e.stderr, inv.Warnings)
	}
	return inv, img.Config, nil
}

// cacheDir is $VIGIL_CACHE_DIR or vigil's directory in the user cache.
func cacheDir(e *env) (string, error) {
	if dir := e.getenv("VIGIL_CACHE_DIR"); dir != "" {
		return dir, nil
	}
	return layercache.DefaultDir()
}

func printWarnings(w io.Writer, warnings []inventory.Warning) {
	for _, wn := range warnings {
		where := wn.Path
		if wn.Layer >= 0 {
			where = strings.TrimSpace(fmt.Sprintf("layer %d %s", wn.Layer, wn.Path))
		}
		if where != "" {
			where += ": "
		}
		fmt.Fprintf(w, "warning: %s%s\n", where, wn.Message)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeOutput writes to path atomically (a temporary file renamed into
// place, so a failed scan never leaves half a report), or to stdout.
func writeOutput(e *env, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(e.stdout)
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// A device or pipe such as /dev/null: write to it directly.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("failed to create output file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
