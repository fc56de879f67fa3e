// Package scan is vigil's library entry point: it runs the pipeline from an
// image source to an inventory (source -> layers -> catalogers ->
// inventory). The CLI is a thin layer over it.
package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/apk"
	"github.com/vigil-dev/vigil/catalog/dotnet"
	"github.com/vigil-dev/vigil/catalog/dpkg"
	"github.com/vigil-dev/vigil/catalog/golang"
	"github.com/vigil-dev/vigil/catalog/java"
	"github.com/vigil-dev/vigil/catalog/javascript"
	"github.com/vigil-dev/vigil/catalog/osrelease"
	"github.com/vigil-dev/vigil/catalog/php"
	"github.com/vigil-dev/vigil/catalog/python"
	"github.com/vigil-dev/vigil/catalog/rpm"
	"github.com/vigil-dev/vigil/catalog/ruby"
	"github.com/vigil-dev/vigil/catalog/rust"
	"github.com/vigil-dev/vigil/check/imageconfig"
	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/version"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/layerfs"
)

// Progress receives events while layers are read. Implementations must be
// safe for concurrent use: layers are read in parallel.
type Progress interface {
	// Start is called once the image is open; cached[i] tells whether
	// layer i will be served from the cache.
	Start(img inventory.Source, layers []inventory.Layer, cached []bool)
	// Read reports n more bytes of layer i's blob read.
	Read(i int, n int)
	// Done reports that layer i is fully read.
	Done(i int)
	// Finish is called when all layers are read (or reading failed).
	Finish()
}

// Options configure a scan. The zero value scans without a cache, with the
// default catalogers and limits.
type Options struct {
	Image image.Options
	// Cache, if not nil, stores layer extracts by diffID.
	Cache *layercache.Cache
	// Limits bound what one layer may cost; zero fields take defaults.
	Limits layerfs.Limits
	// Catalogers replaces the default set (DefaultCatalogers).
	Catalogers []catalog.Cataloger
	// Analyzers look at the merged file system once the packages are
	// known: the configuration and secret checks. Their files are read in
	// the same single pass over the layers as the catalogers'.
	Analyzers []Analyzer
	// Parallel is the number of layers read at once; 0 means GOMAXPROCS.
	Parallel int
	Logger   *slog.Logger
	Progress Progress
}

// An Analyzer inspects an image's files after cataloging. Like a
// cataloger it declares the files it reads (Patterns, in layerfs.Matcher
// syntax) and may implement catalog.LargeFiles and catalog.Filterer.
type Analyzer interface {
	Name() string
	Patterns() []string
	// Analyze records what it finds in the analyzer itself; an error is
	// reported as a warning of the scan.
	Analyze(ctx context.Context, fsys *layerfs.FS, inv *inventory.Inventory) error
}

// analyzerCataloger lets catalog.Matcher read an analyzer's patterns and
// filters.
type analyzerCataloger struct{ Analyzer }

func (analyzerCataloger) Catalog(context.Context, *layerfs.FS, *catalog.Env) ([]inventory.Package, error) {
	return nil, nil
}

func (a analyzerCataloger) Filters() []layerfs.Filter {
	if f, ok := a.Analyzer.(catalog.Filterer); ok {
		return f.Filters()
	}
	return nil
}

func (a analyzerCataloger) LargePatterns() []string {
	if l, ok := a.Analyzer.(catalog.LargeFiles); ok {
		return l.LargePatterns()
	}
	return nil
}

// DefaultCatalogers returns the catalogers vigil runs by default. tempDir
// is where catalogers that need a real file (rpm) may write scratch copies.
func DefaultCatalogers(tempDir string) []catalog.Cataloger {
	// OS catalogers first: the files their packages own are hidden from the
	// language catalogers (catalog.Run).
	return []catalog.Cataloger{
		dpkg.New(), apk.New(), rpm.New(tempDir),
		python.New(), javascript.New(), golang.New(), rust.New(), java.New(), ruby.New(), php.New(), dotnet.New(),
	}
}

// Inventory opens source (see image.Open for its syntax) and returns what
// it holds.
func Inventory(ctx context.Context, source string, opts Options) (*inventory.Inventory, error) {
	img, err := image.Open(ctx, source, opts.Image)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	return InventoryImage(ctx, img, opts)
}

// InventoryImage catalogs an image that is already open.
func InventoryImage(ctx context.Context, img *image.Image, opts Options) (*inventory.Inventory, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cats := opts.Catalogers
	if cats == nil {
		tmp := ""
		if opts.Cache != nil {
			tmp, _ = opts.Cache.TempDir()
		}
		cats = DefaultCatalogers(tmp)
	}
	all := slices.Clone(cats)
	for _, a := range opts.Analyzers {
		all = append(all, analyzerCataloger{a})
	}
	m, err := catalog.Matcher(all, osrelease.Patterns...)
	if err != nil {
		return nil, fmt.Errorf("internal error: %w", err)
	}

	var fsys *layerfs.FS
	if img.RootDir != "" {
		ext, err := layerfs.ExtractDir(ctx, img.RootDir, m, opts.Limits)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", img.RootDir, err)
		}
		fsys = layerfs.Merge(ext)
	} else {
		exts, err := readLayers(ctx, img, m, opts, log)
		if err != nil {
			return nil, err
		}
		fsys = layerfs.Merge(exts...)
	}

	inv := &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		Tool:          inventory.Tool{Name: "vigil", Version: version.String()},
		Source:        img.Source,
		Layers:        redactLayers(img.Layers),
		Packages:      []inventory.Package{},
	}
	for _, w := range fsys.Warnings() {
		p := w.Path
		if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "..") {
			p = "/" + p // entry names as the tar spells them stay as they are
		}
		inv.Warnings = append(inv.Warnings, inventory.Warning{Layer: w.Layer, Path: p, Message: w.Message})
	}
	inv.OS = osrelease.Detect(fsys)
	pkgs, warnings := catalog.Run(ctx, fsys, &catalog.Env{OS: inv.OS, Logger: log}, cats...)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inv.Packages = append(inv.Packages, pkgs...)
	inv.Warnings = append(inv.Warnings, warnings...)
	inv.Sort()
	for _, a := range opts.Analyzers {
		if err := a.Analyze(ctx, fsys, inv); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			inv.Warnings = append(inv.Warnings, inventory.Warning{Layer: -1, Message: fmt.Sprintf("%s: %v", a.Name(), err)})
		}
	}
	return inv, nil
}

// redactLayers copies layers with the secrets their build instructions
// record (`ARG PASSWORD` reaches the history of every later RUN) replaced,
// so that no SBOM or report prints them; the image configuration checks
// read the configuration itself.
func redactLayers(layers []inventory.Layer) []inventory.Layer {
	out := slices.Clone(layers)
	for i := range out {
		out[i].CreatedBy = imageconfig.RedactCreatedBy(out[i].CreatedBy)
	}
	return out
}

// readLayers returns the extract of every layer, from the cache where it
// can and by streaming the blob otherwise. Each streamed layer is checked
// against its diffID (and its blob digest when the manifest gives one)
// before it is used or cached: a cache entry is trusted by diffID, so an
// unverified one could poison later scans of other images.
func readLayers(ctx context.Context, img *image.Image, m *layerfs.Matcher, opts Options, log *slog.Logger) ([]*layerfs.Extract, error) {
	n := len(img.Layers)
	exts := make([]*layerfs.Extract, n)
	keys := make([]string, n)
	cached := make([]bool, n)
	var missing []int
	for i, l := range img.Layers {
		if opts.Cache != nil && l.DiffID != "" {
			key, err := layercache.Key(l.DiffID, m.Key(), opts.Limits)
			if err != nil {
				return nil, &image.LayerError{Image: img.Source.Name, Layer: l, Err: err}
			}
			keys[i] = key
			ext, err := opts.Cache.Get(key)
			switch {
			case err == nil:
				exts[i], cached[i] = ext, true
				continue
			case !errors.Is(err, layercache.ErrMiss):
				log.Warn("layer cache unreadable", "layer", i, "err", err)
			case err != layercache.ErrMiss:
				log.Warn("layer cache entry rebuilt", "layer", i, "reason", err)
			}
		}
		missing = append(missing, i)
	}
	prog := opts.Progress
	if prog != nil {
		prog.Start(img.Source, img.Layers, cached)
		defer prog.Finish()
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	err := img.ReadLayers(ctx, missing, parallel, func(i int, blob io.Reader) error {
		eo := layerfs.ExtractOptions{Limits: opts.Limits}
		if prog != nil {
			eo.OnRead = func(n int) { prog.Read(i, n) }
		}
		ext, err := layerfs.ExtractTar(ctx, blob, m, eo)
		if err != nil {
			return err
		}
		if i == image.Unidentified {
			if i = indexOfDiffID(img.Layers, ext.DiffID); i < 0 {
				return nil // a layer of no interest (or already cached)
			}
		}
		l := img.Layers[i]
		if l.DiffID != "" && ext.DiffID != l.DiffID {
			return fmt.Errorf("layer content does not match its diffID: the image configuration says %s, the content is %s", l.DiffID, ext.DiffID)
		}
		if l.Digest != "" && ext.Digest != l.Digest {
			return fmt.Errorf("layer blob does not match its digest: the manifest says %s, the blob is %s", l.Digest, ext.Digest)
		}
		if prog != nil {
			prog.Done(i)
		}
		if keys[i] != "" {
			if err := opts.Cache.Put(keys[i], ext); err != nil {
				log.Warn("failed to cache layer", "layer", i, "err", err)
			}
		}
		mu.Lock()
		// An image may hold the same layer twice (two empty layers, say).
		for j := range img.Layers {
			if j == i || (exts[j] == nil && l.DiffID != "" && img.Layers[j].DiffID == l.DiffID) {
				exts[j] = ext
			}
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, i := range missing {
		if exts[i] == nil {
			return nil, &image.LayerError{Image: img.Source.Name, Layer: img.Layers[i], Err: errors.New("the image source did not provide this layer")}
		}
	}
	return exts, nil
}

func indexOfDiffID(layers []inventory.Layer, diffID string) int {
	for i, l := range layers {
		if l.DiffID == diffID {
			return i
		}
	}
	return -1
}
