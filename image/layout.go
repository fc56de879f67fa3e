package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// blobStore reads files of an OCI image layout by their layout path
// ("index.json", "blobs/sha256/<hex>").
//
// go-containerregistry's layout package reads layout directories only; an
// oci-archive is the same layout inside a tar, so vigil reads both through
// this one small interface (a directory, or a tarIndex) and uses
// go-containerregistry's manifest, index and config types to parse them.
type blobStore interface {
	Open(name string) (io.ReadCloser, error)
}

type dirStore string

func (d dirStore) Open(name string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// readBlob reads a metadata blob and checks it against its digest.
func readBlob(bs blobStore, h v1.Hash, what string) ([]byte, error) {
	if h.Algorithm != "sha256" {
		return nil, fmt.Errorf("%s %s: unsupported digest algorithm", what, h)
	}
	rc, err := bs.Open(blobPath(h))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", what, err)
	}
	b, err := readAllLimited(rc, what)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != h.Hex {
		return nil, fmt.Errorf("%s blob does not match its digest %s", what, h)
	}
	return b, nil
}

// openLayout selects one image in an OCI layout: by the
// org.opencontainers.image.ref.name annotation when tag is set, otherwise
// the only image, or the one for the wanted platform.
func openLayout(bs blobStore, tag string, opts Options) (*Image, error) {
	rc, err := bs.Open("index.json")
	if err != nil {
		return nil, fmt.Errorf("not an OCI layout: %w", err)
	}
	raw, err := readAllLimited(rc, "index.json")
	if err != nil {
		return nil, err
	}
	index, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("failed to parse index.json: %w", err)
	}
	plat, err := opts.platform()
	if err != nil {
		return nil, err
	}
	desc, err := pickManifest(index.Manifests, tag, plat)
	if err != nil {
		return nil, err
	}
	// Descend through nested indexes to an image manifest.
	for depth := 0; desc.MediaType.IsIndex(); depth++ {
		if depth > 4 {
			return nil, fmt.Errorf("image indexes nested too deep")
		}
		b, err := readBlob(bs, desc.Digest, "image index")
		if err != nil {
			return nil, err
		}
		child, err := v1.ParseIndexManifest(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("failed to parse image index %s: %w", desc.Digest, err)
		}
		if desc, err = pickManifest(child.Manifests, "", plat); err != nil {
			return nil, err
		}
	}
	mb, err := readBlob(bs, desc.Digest, "image manifest")
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(mb))
	if err != nil {
		return nil, fmt.Errorf("failed to parse image manifest %s: %w", desc.Digest, err)
	}
	cb, err := readBlob(bs, m.Config.Digest, "image configuration")
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cb))
	if err != nil {
		return nil, fmt.Errorf("failed to parse image configuration: %w", err)
	}
	layers, err := layersFromConfig(cfg, m.Layers)
	if err != nil {
		return nil, err
	}
	for _, l := range m.Layers {
		if l.Digest.Algorithm != "sha256" {
			return nil, fmt.Errorf("layer %s: unsupported digest algorithm", l.Digest)
		}
	}
	name := tag
	if name == "" {
		name = desc.Annotations["org.opencontainers.image.ref.name"]
	}
	img := &Image{
		Source: newSource(name, desc.Digest.String(), m.Config.Digest.String(), cfg),
		Config: cfg,
		Layers: layers,
		open: func(_ context.Context, i int) (io.ReadCloser, error) {
			return bs.Open(blobPath(m.Layers[i].Digest))
		},
	}
	return img, nil
}

func pickManifest(descs []v1.Descriptor, tag string, plat *v1.Platform) (v1.Descriptor, error) {
	if tag != "" {
		var names []string
		for _, d := range descs {
			n := d.Annotations["org.opencontainers.image.ref.name"]
			if n == tag || strings.HasSuffix(n, ":"+tag) {
				return d, nil
			}
			if n != "" {
				names = append(names, n)
			}
		}
		return v1.Descriptor{}, fmt.Errorf("no image named %q in the layout (names: %s)", tag, strings.Join(names, ", "))
	}
	var candidates []v1.Descriptor
	for _, d := range descs {
		if d.MediaType.IsImage() || d.MediaType.IsIndex() || d.MediaType == "" {
			candidates = append(candidates, d)
		}
	}
	switch len(candidates) {
	case 0:
		return v1.Descriptor{}, fmt.Errorf("the layout holds no image")
	case 1:
		if candidates[0].Platform == nil || candidates[0].Platform.Satisfies(*plat) {
			return candidates[0], nil
		}
	}
	var seen []string
	for _, d := range candidates {
		if d.Platform != nil {
			if d.Platform.Satisfies(*plat) {
				return d, nil
			}
			seen = append(seen, d.Platform.String())
		}
	}
	if len(seen) == 0 {
		return v1.Descriptor{}, fmt.Errorf("the layout holds %d images: name one with :TAG", len(candidates))
	}
	return v1.Descriptor{}, fmt.Errorf("no image for platform %s (available: %s); choose one with --platform", plat, strings.Join(seen, ", "))
}

func openOCILayout(ref string, opts Options) (*Image, error) {
	dir, tag := splitPathTag(ref)
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return nil, fmt.Errorf("%s is not an OCI layout directory (no oci-layout file)", dir)
	}
	img, err := openLayout(dirStore(dir), tag, opts)
	if err != nil {
		return nil, err
	}
	if img.Source.Name == "" {
		img.Source.Name = dir
	}
	return img, nil
}

func openOCIArchive(ref string, opts Options) (*Image, error) {
	file, tag := splitPathTag(ref)
	idx, err := indexTarFile(file)
	if err != nil {
		return nil, err
	}
	img, err := openLayout(idx, tag, opts)
	if err != nil {
		idx.Close()
		return nil, err
	}
	img.closers = append(img.closers, idx.Close)
	if img.Source.Name == "" {
		img.Source.Name = file
	}
	return img, nil
}
