package testimage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

// An Option changes how Image builds an image.
type Option func(*options)

type options struct {
	docker         bool
	wrongDiffID    map[int]bool
	wrongDigest    map[int]bool
	wrongManifest  bool
	os, arch       string
	configModifier func(*v1.ConfigFile)
}

// DockerMediaTypes gives the image Docker v2 schema 2 media types instead
// of OCI ones. A docker-archive keeps an image's manifest digest only when
// the image has Docker media types and gzip layers, because the format
// stores no manifest and readers rebuild one that way.
func DockerMediaTypes() Option { return func(o *options) { o.docker = true } }

// WrongDiffID records a wrong diffID for layer i in the image config
// (rootfs.diff_ids), as a tampered or buggy image would.
func WrongDiffID(i int) Option {
	return func(o *options) { o.wrongDiffID[i] = true }
}

// WrongLayerDigest records a wrong digest for layer i in the manifest; the
// blob itself is unchanged, so it no longer matches its descriptor. Writers
// store the blob under the wrong digest; a registry refuses the push.
func WrongLayerDigest(i int) Option {
	return func(o *options) { o.wrongDigest[i] = true }
}

// WrongManifestDigest makes the image report a digest that is not the
// sha256 of its manifest, so that the OCI layout's index (and the layout's
// blob name) point at the manifest with a wrong digest.
func WrongManifestDigest() Option { return func(o *options) { o.wrongManifest = true } }

// Platform sets the config's os and architecture (default linux/amd64).
func Platform(os, arch string) Option {
	return func(o *options) { o.os, o.arch = os, arch }
}

// Config lets a test change the image config (Env, User, Labels, ...)
// before the layers are added.
func Config(fn func(*v1.ConfigFile)) Option {
	return func(o *options) { o.configModifier = fn }
}

// Image returns an image whose layers are exactly the given blobs, bottom
// first: uncompressed tars, gzip or zstd, as the bytes show (see LayerTar,
// Gzip, Zstd). The manifest records each blob's sha256 and a media type
// matching its compression; the config records the sha256 of each
// decompressed blob as its diffID and history[i] as layer i's created_by.
// A blob that does not decompress gets the blob's own digest as diffID and
// a layer whose Uncompressed fails, so corrupt layers can be packaged too.
func Image(t testing.TB, layers [][]byte, history []string, opts ...Option) v1.Image {
	t.Helper()
	o := options{wrongDiffID: map[int]bool{}, wrongDigest: map[int]bool{}, os: "linux", arch: "amd64"}
	for _, opt := range opts {
		opt(&o)
	}
	if len(history) > len(layers) {
		t.Fatalf("testimage.Image: %d history entries for %d layers", len(history), len(layers))
	}

	base := empty.Image
	if !o.docker {
		base = mutate.MediaType(base, types.OCIManifestSchema1)
		base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	}
	cf, err := base.ConfigFile()
	if err != nil {
		t.Fatalf("testimage.Image: %v", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = o.os, o.arch
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if o.configModifier != nil {
		o.configModifier(cf)
	}
	base, err = mutate.ConfigFile(base, cf)
	if err != nil {
		t.Fatalf("testimage.Image: %v", err)
	}

	adds := make([]mutate.Addendum, len(layers))
	for i, blob := range layers {
		l := newBlobLayer(blob, o.docker)
		if o.wrongDiffID[i] {
			l.diffID = wrongHash("diffID", i)
		}
		if o.wrongDigest[i] {
			l.digest = wrongHash("digest", i)
		}
		adds[i].Layer = l
		created := ""
		if i < len(history) {
			created = history[i]
		}
		adds[i].History = v1.History{CreatedBy: created, Comment: fmt.Sprintf("testimage layer %d", i)}
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		t.Fatalf("testimage.Image: %v", err)
	}
	if o.wrongManifest {
		return wrongDigestImage{img}
	}
	return img
}

func wrongHash(what string, i int) v1.Hash {
	sum := sha256.Sum256(fmt.Appendf(nil, "testimage: deliberately wrong %s %d", what, i))
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sum)}
}

type wrongDigestImage struct{ v1.Image }

func (w wrongDigestImage) Digest() (v1.Hash, error) { return wrongHash("manifest digest", 0), nil }

// blobLayer is a v1.Layer whose compressed form is exactly blob.
type blobLayer struct {
	blob      []byte
	unc       []byte
	uncErr    error
	digest    v1.Hash
	diffID    v1.Hash
	mediaType types.MediaType
}

func newBlobLayer(blob []byte, docker bool) *blobLayer {
	l := &blobLayer{blob: blob, digest: sha256Hash(blob)}
	switch {
	case bytes.HasPrefix(blob, []byte{0x1f, 0x8b}):
		l.mediaType = types.OCILayer
		if docker {
			l.mediaType = types.DockerLayer
		}
		zr, err := gzip.NewReader(bytes.NewReader(blob))
		if err == nil {
			l.unc, err = io.ReadAll(zr)
		}
		l.uncErr = err
	case bytes.HasPrefix(blob, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		l.mediaType = types.OCILayerZStd
		zr, err := zstd.NewReader(bytes.NewReader(blob))
		if err == nil {
			l.unc, err = io.ReadAll(zr)
			zr.Close()
		}
		l.uncErr = err
	default:
		l.mediaType = types.OCIUncompressedLayer
		if docker {
			l.mediaType = types.DockerUncompressedLayer
		}
		l.unc = blob
	}
	if l.uncErr != nil {
		l.diffID = l.digest
	} else {
		l.diffID = sha256Hash(l.unc)
	}
	return l
}

func sha256Hash(b []byte) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(b))}
}

func (l *blobLayer) Digest() (v1.Hash, error) { return l.digest, nil }
func (l *blobLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }
func (l *blobLayer) Size() (int64, error)     { return int64(len(l.blob)), nil }
func (l *blobLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}
func (l *blobLayer) Uncompressed() (io.ReadCloser, error) {
	if l.uncErr != nil {
		return nil, fmt.Errorf("testimage: layer %s does not decompress: %w", l.digest, l.uncErr)
	}
	return io.NopCloser(bytes.NewReader(l.unc)), nil
}
func (l *blobLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
