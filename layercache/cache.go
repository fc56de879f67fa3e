// Package layercache stores layer extracts on disk, keyed by the layer's
// diffID and what was extracted from it, so that a rescan, or an image that
// shares base layers with one already scanned, reads only new layers.
//
// Entries are written atomically (a temporary file renamed into place) and
// carry a checksum of their content: a truncated or corrupt entry is
// detected, removed and reported as a miss, so the layer is read again.
package layercache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/layerfs"
)

// formatVersion changes whenever the encoding or the meaning of an Extract
// changes; old entries are then simply never looked up again.
const formatVersion = "4"

var magic = []byte("vigil-layer-extract\n")

// ErrMiss is returned by Get when there is no usable entry.
var ErrMiss = errors.New("not in cache")

// Cache is a directory of layer extracts.
type Cache struct {
	dir string
}

// DefaultDir is $VIGIL_CACHE_DIR, or vigil's directory under the user's
// cache directory (~/.cache/vigil on Linux).
func DefaultDir() (string, error) {
	if d := os.Getenv("VIGIL_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set VIGIL_CACHE_DIR): %w", err)
	}
	return filepath.Join(d, "vigil"), nil
}

// Open returns the cache in dir, creating the directory if needed.
func Open(dir string) (*Cache, error) {
	if err := os.MkdirAll(filepath.Join(dir, "layers"), 0o755); err != nil {
		return nil, fmt.Errorf("failed to create cache directory: %w", err)
	}
	return &Cache{dir: dir}, nil
}

// Dir is the cache's root directory.
func (c *Cache) Dir() string { return c.dir }

// Key names the extract of the layer diffID made with the matcher whose
// key is matcherKey under limits.
func Key(diffID, matcherKey string, limits layerfs.Limits) (string, error) {
	h, err := v1.NewHash(diffID)
	if err != nil {
		return "", fmt.Errorf("invalid diffID %q: %w", diffID, err)
	}
	lim := sha256.Sum256(fmt.Appendf(nil, "%+v", limits))
	return fmt.Sprintf("%s-%s-v%s-%x", h.Hex, matcherKey, formatVersion, lim[:6]), nil
}

func (c *Cache) path(key string) string {
	return filepath.Join(c.dir, "layers", key[:2], key)
}

// Get returns the extract stored under key, or ErrMiss. A corrupt entry is
// removed and reported as ErrMiss wrapped with the reason.
func (c *Cache) Get(key string) (*layerfs.Extract, error) {
	if strings.ContainsAny(key, `/\`) || len(key) < 3 {
		return nil, fmt.Errorf("invalid cache key %q", key)
	}
	p := c.path(key)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, err
	}
	ext, err := decode(b)
	if err != nil {
		os.Remove(p)
		return nil, fmt.Errorf("%w: corrupt entry %s removed: %v", ErrMiss, p, err)
	}
	return ext, nil
}

func decode(b []byte) (*layerfs.Extract, error) {
	if !bytes.HasPrefix(b, magic) || len(b) < len(magic)+sha256.Size {
		return nil, errors.New("bad header")
	}
	b = b[len(magic):]
	sum, payload := b[:sha256.Size], b[sha256.Size:]
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], sum) {
		return nil, errors.New("checksum mismatch")
	}
	return decodeExtract(payload)
}

// Put stores ext under key atomically.
func (c *Cache) Put(key string, ext *layerfs.Extract) error {
	if strings.ContainsAny(key, `/\`) || len(key) < 3 {
		return fmt.Errorf("invalid cache key %q", key)
	}
	payload := encodeExtract(ext)
	sum := sha256.Sum256(payload)
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	w := bufio.NewWriterSize(tmp, 1<<20)
	for _, part := range [][]byte{magic, sum[:], payload} {
		if _, err := w.Write(part); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// TempDir returns a directory inside the cache for scratch files (an rpm
// database must be a file for its reader), creating it if needed.
func (c *Cache) TempDir() (string, error) {
	d := filepath.Join(c.dir, "tmp")
	return d, os.MkdirAll(d, 0o700)
}
