// Package image opens container images from the places they live: a
// docker-archive tar (docker save), an OCI layout directory or archive, a
// registry, the local Docker Engine, or a root file system on disk.
//
// Every source yields the same thing: the image's metadata and a way to
// stream its layer blobs, each once, in any order. Nothing is extracted to
// disk. Manifests and configurations are parsed with go-containerregistry's
// types; digests are checked by the caller as the layers stream
// (layerfs.ExtractTar computes them).
package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/vigil-dev/vigil/inventory"
)

// Source kinds, as written before the colon of a source argument.
const (
	DockerArchive = "docker-archive"
	OCI           = "oci"
	OCIArchive    = "oci-archive"
	Registry      = "registry"
	Docker        = "docker"
	Dir           = "dir"
)

// Kinds lists the source prefixes vigil understands.
var Kinds = []string{DockerArchive, OCI, OCIArchive, Registry, Docker, Dir}

// Options configure how images are opened. The zero value is valid.
type Options struct {
	// Insecure allows plain HTTP (and unverified TLS) for registries. Use it
	// for loopback registries only.
	Insecure bool
	// Platform selects an image from a multi-platform index, as
	// "os/arch[/variant]". Empty means linux on the host's architecture.
	Platform string
	// Keychain provides registry credentials. Nil means the Docker config
	// file and its credential helpers (authn.DefaultKeychain).
	Keychain authn.Keychain
	// DockerHost overrides DOCKER_HOST for docker: sources.
	DockerHost string
}

func (o Options) platform() (*v1.Platform, error) {
	if o.Platform == "" {
		return &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	p, err := v1.ParsePlatform(o.Platform)
	if err != nil {
		return nil, fmt.Errorf("invalid --platform %q: %w", o.Platform, err)
	}
	return p, nil
}

// Image is an opened image.
type Image struct {
	// Source says what was opened.
	Source inventory.Source
	// Config is the image configuration; nil for dir sources.
	Config *v1.ConfigFile
	// Layers describe the layers bottom first. A dir source has one layer
	// without digests.
	Layers []inventory.Layer
	// RootDir is set for dir sources: the root file system to walk.
	RootDir string

	// open returns the raw blob of layer i; streamAll, when set, replaces
	// it with a single pass over all wanted layers (the Docker Engine only
	// hands out whole images).
	open      func(ctx context.Context, i int) (io.ReadCloser, error)
	streamAll func(ctx context.Context, want map[int]bool, fn func(i int, blob io.Reader) error) error
	closers   []func() error
}

// Close releases files and connections the image holds.
func (img *Image) Close() error {
	var errs []error
	for _, c := range img.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// LayerError locates a failure in one layer of an image.
type LayerError struct {
	Image string
	Layer inventory.Layer
	Err   error
}

func (e *LayerError) Error() string {
	id := e.Layer.DiffID
	if id == "" {
		id = e.Layer.Digest
	}
	return fmt.Sprintf("%s: layer %d (%s): %v", e.Image, e.Layer.Index, id, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// Unidentified is the layer index ReadLayers passes for a blob that can
// only be identified by the diffID of its content (legacy docker save
// streams); the callback must compute the diffID and match it.
const Unidentified = -1

// ReadLayers streams the raw blobs of the layers whose indexes are listed,
// calling fn once per layer, at most parallel at a time, in no particular
// order. fn must consume the blob before returning. Errors are wrapped in
// *LayerError. A source may pass Unidentified as the index, and may pass
// layers that were not asked for; the caller checks that it got all it
// asked for.
func (img *Image) ReadLayers(ctx context.Context, indexes []int, parallel int, fn func(i int, blob io.Reader) error) error {
	if len(indexes) == 0 {
		return nil
	}
	if img.RootDir != "" {
		return errors.New("a dir source has no layer blobs")
	}
	wrap := func(i int, err error) error {
		var le *LayerError
		if err == nil || errors.As(err, &le) {
			return err
		}
		if i == Unidentified {
			return fmt.Errorf("%s: %w", img.Source.Name, err)
		}
		return &LayerError{Image: img.Source.Name, Layer: img.Layers[i], Err: err}
	}
	if img.streamAll != nil {
		want := map[int]bool{}
		for _, i := range indexes {
			want[i] = true
		}
		return img.streamAll(ctx, want, func(i int, blob io.Reader) error { return wrap(i, fn(i, blob)) })
	}
	if parallel < 1 {
		parallel = 1
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for _, i := range indexes {
		g.Go(func() error {
			rc, err := img.open(ctx, i)
			if err != nil {
				return wrap(i, fmt.Errorf("failed to open layer blob: %w", err))
			}
			defer rc.Close()
			return wrap(i, fn(i, rc))
		})
	}
	return g.Wait()
}

// Open opens the image that arg names. arg is "KIND:REF" with KIND one of
// Kinds, or a bare path or reference: an existing directory is an OCI
// layout if it has an oci-layout file and a root file system otherwise, an
// existing file is a docker-archive (or an oci-archive if it has no
// manifest.json), and anything else is a registry reference.
func Open(ctx context.Context, arg string, opts Options) (*Image, error) {
	kind, ref, err := Parse(arg)
	if err != nil {
		return nil, err
	}
	var img *Image
	switch kind {
	case DockerArchive:
		img, err = openDockerArchive(ref)
	case OCI:
		img, err = openOCILayout(ref, opts)
	case OCIArchive:
		img, err = openOCIArchive(ref, opts)
	case Registry:
		img, err = openRegistry(ctx, ref, opts)
	case Docker:
		img, err = openDaemon(ctx, ref, opts)
	case Dir:
		img, err = openDir(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to open %s:%s: %w", kind, ref, err)
	}
	img.Source.Type, img.Source.Ref = kind, ref
	if img.Source.Name == "" {
		img.Source.Name = ref
	}
	return img, nil
}

// Parse splits a source argument into its kind and reference, detecting the
// kind when there is no prefix.
func Parse(arg string) (kind, ref string, err error) {
	if arg == "" {
		return "", "", errors.New("no image given")
	}
	if k, r, ok := strings.Cut(arg, ":"); ok {
		for _, known := range Kinds {
			if k == known {
				if r == "" {
					return "", "", fmt.Errorf("%q names no image after the %s prefix", arg, k)
				}
				return k, r, nil
			}
		}
	}
	st, err := os.Stat(arg)
	switch {
	case err == nil && st.IsDir():
		if _, err := os.Stat(filepath.Join(arg, "oci-layout")); err == nil {
			return OCI, arg, nil
		}
		return Dir, arg, nil
	case err == nil:
		idx, err := indexTarFile(arg)
		if err != nil {
			return "", "", fmt.Errorf("%s is neither a docker-archive nor an oci-archive: %w", arg, err)
		}
		idx.Close()
		if idx.has("manifest.json") {
			return DockerArchive, arg, nil
		}
		if idx.has("index.json") {
			return OCIArchive, arg, nil
		}
		return "", "", fmt.Errorf("%s is a tar file without manifest.json or index.json: not an image archive", arg)
	}
	if looksLikePath(arg) {
		return "", "", fmt.Errorf("%s: no such file or directory (for a registry image, write registry:%s)", arg, arg)
	}
	return Registry, arg, nil
}

// looksLikePath tells a mistyped path from a registry reference, which
// never starts with a slash or a dot and never ends in an archive suffix.
func looksLikePath(arg string) bool {
	if strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") || strings.HasPrefix(arg, "~") {
		return true
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".oci"} {
		if strings.HasSuffix(arg, ext) {
			return true
		}
	}
	return false
}

func historyCreatedBy(cfg *v1.ConfigFile, layers int) []string {
	out := make([]string, layers)
	if cfg == nil {
		return out
	}
	i := 0
	for _, h := range cfg.History {
		if h.EmptyLayer {
			continue
		}
		if i >= layers {
			break
		}
		out[i] = h.CreatedBy
		i++
	}
	return out
}

// layersFromConfig builds the layer list from a manifest's layer
// descriptors (nil for docker-archives) and the configuration.
func layersFromConfig(cfg *v1.ConfigFile, descs []v1.Descriptor) ([]inventory.Layer, error) {
	n := len(cfg.RootFS.DiffIDs)
	if descs != nil && len(descs) != n {
		return nil, fmt.Errorf("manifest lists %d layers but the configuration has %d diffIDs", len(descs), n)
	}
	createdBy := historyCreatedBy(cfg, n)
	layers := make([]inventory.Layer, n)
	for i := range n {
		layers[i] = inventory.Layer{Index: i, DiffID: cfg.RootFS.DiffIDs[i].String(), CreatedBy: createdBy[i]}
		if descs != nil {
			layers[i].Digest = descs[i].Digest.String()
			layers[i].Size = descs[i].Size
			layers[i].MediaType = string(descs[i].MediaType)
		}
	}
	return layers, nil
}

func newSource(name, manifestDigest, configDigest string, cfg *v1.ConfigFile) inventory.Source {
	return inventory.Source{Name: name, ManifestDigest: manifestDigest, ConfigDigest: configDigest, Platform: platformString(cfg)}
}

func platformString(cfg *v1.ConfigFile) string {
	if cfg == nil || cfg.OS == "" {
		return ""
	}
	p := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	return p.String()
}

func openDir(path string) (*Image, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return &Image{
		RootDir: abs,
		Layers:  []inventory.Layer{{Index: 0}},
	}, nil
}

// splitPathTag splits "PATH[:TAG]" where the tag may itself hold colons
// ("app.tar:registry.example:5000/app:1"): the path is the shortest prefix
// that exists. When none does, the whole argument is the path, so that the
// error names it.
func splitPathTag(ref string) (path, tag string) {
	if _, err := os.Stat(ref); err == nil {
		return ref, ""
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] != ':' {
			continue
		}
		if _, err := os.Stat(ref[:i]); err == nil {
			return ref[:i], ref[i+1:]
		}
	}
	return ref, ""
}
