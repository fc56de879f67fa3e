package layercache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/layerfs"
)

func sample() *layerfs.Extract {
	return &layerfs.Extract{
		DiffID: "sha256:aa", Digest: "sha256:bb", Compression: "gzip", Size: 1 << 33,
		Entries: []layerfs.Entry{
			{Path: "etc", Type: layerfs.TypeDir, Mode: 0o755},
			{Path: "etc/os-release", Type: layerfs.TypeFile, Mode: 0o644, Size: 3, Data: []byte("a=b"), Captured: true, Matched: true},
			{Path: "usr/bin/huge", Type: layerfs.TypeFile, Size: 1 << 40, Matched: true},
			{Path: "etc/empty", Type: layerfs.TypeFile, Captured: true},
			{Path: "lib", Type: layerfs.TypeSymlink, Link: "usr/lib"},
			{Path: "big", Type: layerfs.TypeFile, Size: -1},
		},
		Warnings: []layerfs.Warning{{Path: "x", Message: "y"}},
	}
}

func TestRoundTripAndCorruption(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := Key("sha256:"+"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "m", layerfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(key); err != ErrMiss {
		t.Fatalf("empty cache: err = %v, want ErrMiss", err)
	}
	want := sample()
	if err := c.Put(key, want); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	// An empty captured file decodes as empty, not nil, content.
	want.Entries[2].Data = []byte{}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b []byte) bool { return string(a) == string(b) })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Truncation and bit flips are detected, the entry removed.
	p := c.path(key)
	b, _ := os.ReadFile(p)
	for _, bad := range [][]byte{b[:len(b)-1], append(append([]byte{}, b[:len(b)-2]...), b[len(b)-2]^1, b[len(b)-1]), b[:10]} {
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(key); !errors.Is(err, ErrMiss) || err == ErrMiss {
			t.Errorf("corrupt entry: err = %v, want a wrapped ErrMiss", err)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Error("corrupt entry not removed")
		}
	}
	if ents, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".tmp-*")); len(ents) > 0 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func FuzzDecodeExtract(f *testing.F) {
	f.Add(encodeExtract(sample()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ext, err := decodeExtract(b)
		if err != nil {
			return
		}
		// What decodes re-encodes and decodes to the same extract
		// (the bytes may differ: varints have several encodings).
		again, err := decodeExtract(encodeExtract(ext))
		if err != nil || !cmp.Equal(ext, again, cmp.Comparer(func(a, b []byte) bool { return string(a) == string(b) })) {
			t.Fatalf("re-encoding changed the extract: %v", err)
		}
	})
}
