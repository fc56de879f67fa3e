package testimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type entry struct {
	Name, Linkname string
	Type           byte
	Size           int64
	Body           string
}

func readTar(t *testing.T, b []byte) []entry {
	t.Helper()
	var out []entry
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("reading %s: %v", hdr.Name, err)
		}
		out = append(out, entry{hdr.Name, hdr.Linkname, hdr.Typeflag, hdr.Size, strings.TrimRight(string(body), "\x00")})
	}
}

func TestLayerTarKeepsEntriesAsGiven(t *testing.T) {
	b := LayerTar(
		File{Name: "etc/", Type: tar.TypeDir},
		File{Name: "etc/os-release", Body: []byte("ID=test\n")},
		File{Name: "../../evil", Body: []byte("x")},
		File{Name: "/abs/path", Body: []byte("y")},
		File{Name: "etc/.wh.gone"},
		File{Name: "lib", Type: tar.TypeSymlink, Linkname: "usr/lib"},
		File{Name: "hard", Type: tar.TypeLink, Linkname: "../../outside"},
		File{Name: "padded", Body: []byte("ab"), Size: 1000},
		File{Name: "gnu-sparse", Type: tar.TypeGNUSparse, Body: []byte("head"), Size: 5000},
		File{Name: "dir/pax-sparse", Type: TypePAXSparse, Body: []byte("start"), Size: 7000},
		File{Name: "fifo", Type: tar.TypeFifo},
	)
	if len(b)%512 != 0 {
		t.Errorf("tar length %d is not a multiple of 512", len(b))
	}
	want := []entry{
		{Name: "etc/", Type: tar.TypeDir},
		{Name: "etc/os-release", Type: tar.TypeReg, Size: 8, Body: "ID=test\n"},
		{Name: "../../evil", Type: tar.TypeReg, Size: 1, Body: "x"},
		{Name: "/abs/path", Type: tar.TypeReg, Size: 1, Body: "y"},
		{Name: "etc/.wh.gone", Type: tar.TypeReg},
		{Name: "lib", Linkname: "usr/lib", Type: tar.TypeSymlink},
		{Name: "hard", Linkname: "../../outside", Type: tar.TypeLink},
		{Name: "padded", Type: tar.TypeReg, Size: 1000, Body: "ab"},
		{Name: "gnu-sparse", Type: tar.TypeGNUSparse, Size: 5000, Body: "head"},
		{Name: "dir/pax-sparse", Type: tar.TypeReg, Size: 7000, Body: "start"},
		{Name: "fifo", Type: tar.TypeFifo},
	}
	if diff := cmp.Diff(want, readTar(t, b)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestLayerTarSparseHoleReadsAsZeros(t *testing.T) {
	for _, typ := range []byte{tar.TypeGNUSparse, TypePAXSparse} {
		b := LayerTar(File{Name: "f", Type: typ, Body: []byte("data"), Size: 3000})
		tr := tar.NewReader(bytes.NewReader(b))
		if _, err := tr.Next(); err != nil {
			t.Fatalf("%q: %v", typ, err)
		}
		got, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%q: %v", typ, err)
		}
		want := append([]byte("data"), make([]byte, 2996)...)
		if !bytes.Equal(got, want) {
			t.Errorf("%q: content is %d bytes, want %q and 2996 zeros", typ, len(got), "data")
		}
	}
}

func TestCompressRoundTrip(t *testing.T) {
	layer := LayerTar(File{Name: "a", Body: []byte("hello")})
	for name, blob := range map[string][]byte{"gzip": Gzip(layer), "zstd": Zstd(layer)} {
		l := newBlobLayer(blob, false)
		if l.uncErr != nil {
			t.Fatalf("%s: %v", name, l.uncErr)
		}
		if !bytes.Equal(l.unc, layer) {
			t.Errorf("%s does not decompress to the tar", name)
		}
	}
}

func hashOf(b []byte) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(b))}
}

func testLayers() ([][]byte, [][]byte) {
	tars := [][]byte{
		LayerTar(File{Name: "etc/os-release", Body: []byte("ID=debian\n")}),
		LayerTar(File{Name: "usr/bin/app", Body: []byte("binary")}),
		LayerTar(File{Name: "etc/.wh.os-release"}),
	}
	return tars, [][]byte{Gzip(tars[0]), Zstd(tars[1]), tars[2]}
}

func TestImageRecordsBlobsAsGiven(t *testing.T) {
	tars, blobs := testLayers()
	history := []string{"ADD rootfs.tar /", "COPY app /usr/bin/app", "RUN rm /etc/os-release"}
	img := Image(t, blobs, history)

	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("media types %s, %s; want OCI", m.MediaType, m.Config.MediaType)
	}
	wantTypes := []types.MediaType{types.OCILayer, types.OCILayerZStd, types.OCIUncompressedLayer}
	for i, d := range m.Layers {
		if d.Digest != hashOf(blobs[i]) || d.Size != int64(len(blobs[i])) || d.MediaType != wantTypes[i] {
			t.Errorf("layer %d descriptor %+v; want digest %s size %d type %s", i, d, hashOf(blobs[i]), len(blobs[i]), wantTypes[i])
		}
		if cf.RootFS.DiffIDs[i] != hashOf(tars[i]) {
			t.Errorf("layer %d diffID %s; want %s", i, cf.RootFS.DiffIDs[i], hashOf(tars[i]))
		}
		if cf.History[i].CreatedBy != history[i] {
			t.Errorf("layer %d created_by %q; want %q", i, cf.History[i].CreatedBy, history[i])
		}
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		if !bytes.Equal(got, blobs[i]) {
			t.Errorf("layer %d blob differs from the bytes given", i)
		}
	}
}

func TestImageCorruptions(t *testing.T) {
	tars, blobs := testLayers()
	good := Image(t, blobs, nil)
	img := Image(t, blobs, nil, WrongDiffID(1), WrongLayerDigest(2), WrongManifestDigest())

	cf, _ := img.ConfigFile()
	if cf.RootFS.DiffIDs[0] != hashOf(tars[0]) || cf.RootFS.DiffIDs[1] == hashOf(tars[1]) {
		t.Errorf("WrongDiffID(1): diffIDs %v", cf.RootFS.DiffIDs)
	}
	m, _ := img.Manifest()
	if m.Layers[1].Digest != hashOf(blobs[1]) || m.Layers[2].Digest == hashOf(blobs[2]) {
		t.Errorf("WrongLayerDigest(2): layer digests %v, %v", m.Layers[1].Digest, m.Layers[2].Digest)
	}
	raw, _ := img.RawManifest()
	if d, _ := img.Digest(); d == hashOf(raw) {
		t.Errorf("WrongManifestDigest: digest %s is the manifest's sha256", d)
	}
	if d, _ := good.Digest(); d != mustRawDigest(t, good) {
		t.Errorf("unmodified image digest %s is not the manifest's sha256", d)
	}
}

func mustRawDigest(t *testing.T, img v1.Image) v1.Hash {
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	return hashOf(raw)
}

func TestImageWithCorruptBlob(t *testing.T) {
	blob := Gzip(LayerTar(File{Name: "a", Body: []byte("x")}))
	blob = blob[:len(blob)-6]
	img := Image(t, [][]byte{blob}, nil)
	ls, _ := img.Layers()
	if _, err := ls[0].Uncompressed(); err == nil {
		t.Error("Uncompressed of a truncated gzip blob succeeded")
	}
	if d, _ := ls[0].Digest(); d != hashOf(blob) {
		t.Errorf("digest %s, want the blob's", d)
	}
}

func digests(t *testing.T, img v1.Image) (manifest, config v1.Hash, diffIDs []v1.Hash) {
	t.Helper()
	var err error
	if manifest, err = img.Digest(); err != nil {
		t.Fatal(err)
	}
	if config, err = img.ConfigName(); err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return manifest, config, cf.RootFS.DiffIDs
}

func TestWriteDockerArchiveRoundTrip(t *testing.T) {
	tars, blobs := testLayers()
	t.Run("docker media types and gzip keep the manifest digest", func(t *testing.T) {
		gz := [][]byte{Gzip(tars[0]), Gzip(tars[1])}
		img := Image(t, gz, []string{"a", "b"}, DockerMediaTypes())
		p := WriteDockerArchive(t, img, "vigil.test/app:1")
		tag, _ := name.NewTag("vigil.test/app:1")
		back, err := tarball.ImageFromPath(p, &tag)
		if err != nil {
			t.Fatal(err)
		}
		wm, wc, wd := digests(t, img)
		gm, gc, gd := digests(t, back)
		if wm != gm || wc != gc || !cmp.Equal(wd, gd) {
			t.Errorf("read back %s %s %v; wrote %s %s %v", gm, gc, gd, wm, wc, wd)
		}
	})
	t.Run("any image keeps its config digest", func(t *testing.T) {
		img := Image(t, blobs, nil)
		p := WriteDockerArchive(t, img, "app:latest")
		back, err := tarball.ImageFromPath(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, wc, wd := digests(t, img)
		_, gc, gd := digests(t, back)
		if wc != gc || !cmp.Equal(wd, gd) {
			t.Errorf("read back config %s %v; wrote %s %v", gc, gd, wc, wd)
		}
	})
}

func imageFromLayout(t *testing.T, dir, refName string) v1.Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index has %d manifests", len(im.Manifests))
	}
	if got := im.Manifests[0].Annotations[RefNameAnnotation]; got != refName {
		t.Errorf("ref name annotation %q, want %q", got, refName)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestWriteOCILayoutRoundTrip(t *testing.T) {
	_, blobs := testLayers()
	img := Image(t, blobs, nil)
	back := imageFromLayout(t, WriteOCILayout(t, img, "app:1"), "app:1")
	if w, g := mustRawDigest(t, img), mustRawDigest(t, back); w != g {
		t.Errorf("read back manifest %s, wrote %s", g, w)
	}
	if d, _ := back.Digest(); d != mustRawDigest(t, img) {
		t.Errorf("read back digest %s", d)
	}
}

func TestWriteOCILayoutWrongManifestDigest(t *testing.T) {
	_, blobs := testLayers()
	img := Image(t, blobs, nil, WrongManifestDigest())
	dir := WriteOCILayout(t, img, "")
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	d := im.Manifests[0].Digest
	raw, err := os.ReadFile(filepath.Join(dir, "blobs", d.Algorithm, d.Hex))
	if err != nil {
		t.Fatal(err)
	}
	if hashOf(raw) == d {
		t.Errorf("the index records the manifest's true digest %s", d)
	}
}

func TestWriteOCIArchiveRoundTrip(t *testing.T) {
	_, blobs := testLayers()
	img := Image(t, blobs, nil)
	p := WriteOCIArchive(t, img, "app:2")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	tr := tar.NewReader(f)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		if !filepath.IsLocal(hdr.Name) {
			t.Fatalf("archive entry %q", hdr.Name)
		}
		dst := filepath.Join(dir, hdr.Name)
		if hdr.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"oci-layout", "index.json", "blobs/"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("archive has no %s: %v", want, names)
		}
	}
	back := imageFromLayout(t, dir, "app:2")
	if w, g := mustRawDigest(t, img), mustRawDigest(t, back); w != g {
		t.Errorf("read back manifest %s, wrote %s", g, w)
	}
}

func TestPushRegistryRoundTrip(t *testing.T) {
	_, blobs := testLayers()
	img := Image(t, blobs, []string{"x"})
	ref := PushRegistry(t, img, "vigil/app:1")
	if !strings.HasPrefix(ref, "127.0.0.1:") || !strings.HasSuffix(ref, "/vigil/app:1") {
		t.Errorf("reference %q", ref)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	back, err := remote.Image(r, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	wm, wc, wd := digests(t, img)
	gm, gc, gd := digests(t, back)
	if wm != gm || wc != gc || !cmp.Equal(wd, gd) {
		t.Errorf("pulled %s %s %v; pushed %s %s %v", gm, gc, gd, wm, wc, wd)
	}
	ls, err := back.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, blobs[i]) {
			t.Errorf("pulled layer %d differs from the blob pushed (err %v)", i, err)
		}
	}
}

func TestWriteRootFS(t *testing.T) {
	dir := WriteRootFS(t,
		File{Name: "etc/os-release", Body: []byte("ID=test\n")},
		File{Name: "usr/lib/", Type: tar.TypeDir},
		File{Name: "lib", Type: tar.TypeSymlink, Linkname: "usr/lib"},
		File{Name: "escape", Type: tar.TypeSymlink, Linkname: "../../../etc/passwd"},
		File{Name: "etc/hard", Type: tar.TypeLink, Linkname: "etc/os-release"},
		File{Name: "big", Size: 1 << 30},
		File{Name: "run/fifo", Type: tar.TypeFifo},
		File{Name: "ro", Type: tar.TypeDir, Mode: 0o555},
	)
	if b, err := os.ReadFile(filepath.Join(dir, "etc/hard")); err != nil || string(b) != "ID=test\n" {
		t.Errorf("etc/hard: %q, %v", b, err)
	}
	if l, err := os.Readlink(filepath.Join(dir, "escape")); err != nil || l != "../../../etc/passwd" {
		t.Errorf("escape -> %q, %v", l, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "big")); err != nil || st.Size() != 1<<30 {
		t.Errorf("big: %v, %v", st, err)
	}
	if st, err := os.Lstat(filepath.Join(dir, "run/fifo")); runtime.GOOS != "windows" && (err != nil || st.Mode()&os.ModeNamedPipe == 0) {
		t.Errorf("run/fifo: %v, %v", st, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "ro")); err != nil || st.Mode().Perm() != 0o555 {
		t.Errorf("ro: %v, %v", st, err)
	}
}

// fatalTB records Fatalf instead of failing the real test.
type fatalTB struct {
	testing.TB
	msg string
}

var errFatal = errors.New("fatal")

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(errFatal)
}

func TestWriteRootFSRefusesToLeaveTheRoot(t *testing.T) {
	for _, f := range []File{
		{Name: "../escape", Body: []byte("x")},
		{Name: "/abs", Body: []byte("x")},
		{Name: "a/../../escape", Body: []byte("x")},
		{Name: "h", Type: tar.TypeLink, Linkname: "../../etc/passwd"},
	} {
		tb := &fatalTB{TB: t}
		func() {
			defer func() {
				if r := recover(); r != nil && r != errFatal {
					panic(r)
				}
			}()
			WriteRootFS(tb, f)
		}()
		if !strings.Contains(tb.msg, "not a path inside the root") {
			t.Errorf("%+v: Fatalf message %q", f, tb.msg)
		}
	}
}
