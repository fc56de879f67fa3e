package layerfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/vigil-dev/vigil/internal/testimage"
)

func sha(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func TestDigests(t *testing.T) {
	tarball := testimage.LayerTar(file("etc/os-release", "ID=x\n"), file("usr/share/doc/README", strings.Repeat("doc ", 5000)), dir("var/"))
	// docker save writes tars padded well past the end-of-archive marker.
	padded := append(bytes.Clone(tarball), make([]byte, 10240)...)
	third := len(tarball) / 3
	multiGzip := append(append(testimage.Gzip(tarball[:third]), testimage.Gzip(tarball[third:2*third])...), testimage.Gzip(tarball[2*third:])...)
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	multiZstd := enc.EncodeAll(tarball[third:], enc.EncodeAll(tarball[:third], nil))
	enc.Close()

	for _, tc := range []struct {
		name, compression string
		blob, tar         []byte
	}{
		{"tar", "none", tarball, tarball},
		{"padded tar", "none", padded, padded},
		{"gzip", "gzip", testimage.Gzip(tarball), tarball},
		{"gzip of a padded tar", "gzip", testimage.Gzip(padded), padded},
		{"multi-member gzip", "gzip", multiGzip, tarball},
		{"zstd", "zstd", testimage.Zstd(tarball), tarball},
		{"multi-frame zstd", "zstd", multiZstd, tarball},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var read int
			ext, err := ExtractTar(context.Background(), bytes.NewReader(tc.blob), all, ExtractOptions{OnRead: func(n int) { read += n }})
			if err != nil {
				t.Fatal(err)
			}
			if ext.DiffID != sha(tc.tar) || ext.Digest != sha(tc.blob) {
				t.Errorf("DiffID %s Digest %s; want %s %s", ext.DiffID, ext.Digest, sha(tc.tar), sha(tc.blob))
			}
			if ext.Compression != tc.compression || ext.Size != int64(len(tc.tar)) {
				t.Errorf("Compression %q Size %d; want %q %d", ext.Compression, ext.Size, tc.compression, len(tc.tar))
			}
			if read != len(tc.blob) {
				t.Errorf("OnRead reported %d bytes of %d", read, len(tc.blob))
			}
			if len(ext.Entries) != 3 || string(ext.Entries[0].Data) != "ID=x\n" {
				t.Errorf("entries %+v", ext.Entries)
			}
		})
	}
}

// TestDigestsMatchTheImage checks ExtractTar's digests against those that
// go-containerregistry records for the same blobs.
func TestDigestsMatchTheImage(t *testing.T) {
	tars := [][]byte{testimage.LayerTar(file("a", "a")), testimage.LayerTar(file("b", "b")), testimage.LayerTar(file("c", "c"))}
	img := testimage.Image(t, [][]byte{testimage.Gzip(tars[0]), testimage.Zstd(tars[1]), tars[2]}, nil)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		ext, err := ExtractTar(context.Background(), rc, nil, ExtractOptions{})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		digest, _ := l.Digest()
		diffID, _ := l.DiffID()
		if ext.Digest != digest.String() || ext.DiffID != diffID.String() {
			t.Errorf("layer %d: Digest %s DiffID %s; image says %s %s", i, ext.Digest, ext.DiffID, digest, diffID)
		}
	}
}
