package layerfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/vigil-dev/vigil/internal/testimage"
)

// Hostile layers: each gets a warning or an error that names where, never a
// panic, and never unbounded memory.

func TestUnsafeEntryPathsAreConfined(t *testing.T) {
	ext := layer(t,
		file("../../evil", "e"),
		file("/etc/abs", "a"),
		file("usr/../../../up", "u"),
		file("./fine/../ok", "ok"),
		dir("../../escaped-dir/"),
	)
	want := []string{"evil", "etc/abs", "up", "ok", "escaped-dir"}
	var got []string
	for _, e := range ext.Entries {
		got = append(got, e.Path)
	}
	wantDiff(t, "entry paths", want, got)
	wantWarning(t, ext.Warnings, "../../evil", "leaves the layer root", "read as /evil")
	wantWarning(t, ext.Warnings, "/etc/abs", "leaves the layer root", "read as /etc/abs")
	wantWarning(t, ext.Warnings, "usr/../../../up", "leaves the layer root", "read as /up")
	wantWarning(t, ext.Warnings, "../../escaped-dir/", "leaves the layer root")
	for _, w := range ext.Warnings {
		if w.Path == "./fine/../ok" {
			t.Errorf("warning for a name that stays inside: %+v", w)
		}
	}
	f := Merge(ext)
	wantContent(t, f, "evil", "e", 0)
	wantContent(t, f, "up", "u", 0)
	if ws := f.Warnings(); len(ws) != len(ext.Warnings) || ws[0].Layer != 0 {
		t.Errorf("FS.Warnings() = %+v", ws)
	}
}

// bomb returns a layer holding one file of size zero bytes, compressed in
// memory as it is written.
func bomb(t testing.TB, compression, name string, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zw io.WriteCloser
	switch compression {
	case "gzip":
		zw = kgzip.NewWriter(&buf)
	case "zstd":
		var err error
		if zw, err = zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := testimage.WriteLayerTar(zw, testimage.File{Name: "etc/os-release", Body: []byte("ID=bomb\n")}, testimage.File{Name: name, Size: size}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecompressionBomb(t *testing.T) {
	const size = 1 << 30
	m := mustMatcher(t, "var/lib/dpkg/status", "etc/os-release")
	for _, c := range []string{"gzip", "zstd"} {
		t.Run(c, func(t *testing.T) {
			start := time.Now()
			blob := bomb(t, c, "var/lib/dpkg/status", size)
			t.Logf("%s bomb: %d bytes compressed for %d uncompressed, built in %v", c, len(blob), size, time.Since(start))

			stop := heapPeak()
			start = time.Now()
			ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), m, ExtractOptions{})
			elapsed := time.Since(start)
			peak := stop()
			t.Logf("%s bomb: extracted in %v, heap peak %.1f MiB above baseline", c, elapsed, float64(peak)/(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			if peak > 64<<20 {
				t.Errorf("heap grew by %d MiB extracting the bomb; want < 64 MiB", peak>>20)
			}
			var status *Entry
			for i := range ext.Entries {
				if ext.Entries[i].Path == "var/lib/dpkg/status" {
					status = &ext.Entries[i]
				}
			}
			if status == nil || status.Captured || status.Data != nil || status.Size != size {
				t.Errorf("status entry = %+v; want indexed with its size, not captured", status)
			}
			wantWarning(t, ext.Warnings, "var/lib/dpkg/status", "not read", fmt.Sprint(size), "limit")
			if ext.Size < size || ext.Compression != c {
				t.Errorf("Size %d, Compression %q", ext.Size, ext.Compression)
			}
			wantContent(t, Merge(ext), "etc/os-release", "ID=bomb\n", 0)

			// The same blob under a layer size limit stops early.
			start = time.Now()
			_, err = ExtractTar(context.Background(), bytes.NewReader(blob), m, ExtractOptions{Limits: Limits{MaxLayerSize: 256 << 20}})
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "268435456 bytes") {
				t.Errorf("with MaxLayerSize 256 MiB: %v; want ErrLimit naming the limit", err)
			}
			var ee *EntryError
			if !errors.As(err, &ee) || !strings.Contains(ee.Path, "var/lib/dpkg/status") {
				t.Errorf("error %v does not locate the entry", err)
			}
			t.Logf("%s bomb: stopped by MaxLayerSize in %v", c, time.Since(start))
		})
	}
}

func TestMaxLayerSize(t *testing.T) {
	lim := Limits{MaxLayerSize: 64 << 10}
	var dirs []testimage.File
	for i := range 300 {
		dirs = append(dirs, dir(fmt.Sprintf("d%03d/", i)))
	}
	tarWithPadding := append(testimage.LayerTar(file("a", "a")), make([]byte, 100<<10)...)
	for name, blob := range map[string][]byte{
		// Entries without data: only headers are read.
		"directories":              testimage.LayerTar(dirs...),
		"directories, gzip":        testimage.Gzip(testimage.LayerTar(dirs...)),
		"captured file":            testimage.LayerTar(file("etc/big", strings.Repeat("x", 100<<10))),
		"skipped file":             testimage.LayerTar(file("usr/share/big", strings.Repeat("x", 100<<10))),
		"padding after the end":    tarWithPadding,
		"padding after, zstd":      testimage.Zstd(tarWithPadding),
		"just at the limit, +1":    testimage.LayerTar(file("f", strings.Repeat("x", 64<<10-3*512+1))),
		"many members, multi-gzip": bytes.Repeat(testimage.Gzip(bytes.Repeat([]byte{0}, 8<<10)), 10),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ExtractTar(context.Background(), bytes.NewReader(blob), mustMatcher(t, "etc/*"), ExtractOptions{Limits: lim})
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v; want ErrLimit", err)
			}
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Path == "" {
				t.Errorf("err = %v; want an *EntryError naming where", err)
			}
			if !strings.Contains(err.Error(), "65536 bytes") {
				t.Errorf("err = %v; want the limit in the message", err)
			}
		})
	}
	// Exactly at the limit is fine.
	exact := testimage.LayerTar(file("f", strings.Repeat("x", 64<<10-3*512)))
	if len(exact) != 64<<10 {
		t.Fatalf("fixture is %d bytes", len(exact))
	}
	if _, err := ExtractTar(context.Background(), bytes.NewReader(exact), nil, ExtractOptions{Limits: lim}); err != nil {
		t.Errorf("a layer of exactly MaxLayerSize: %v", err)
	}
}

func TestSparseFileDeclaring1GiB(t *testing.T) {
	const size = 1 << 30
	m := mustMatcher(t, "var/lib/dpkg/status")
	for name, typ := range map[string]byte{"GNU": 'S', "PAX": testimage.TypePAXSparse} {
		t.Run(name, func(t *testing.T) {
			blob := testimage.Gzip(testimage.LayerTar(
				testimage.File{Name: "var/lib/dpkg/status", Type: typ, Body: []byte("Package: sparse\n"), Size: size},
				file("after", "still read"),
			))
			stop := heapPeak()
			start := time.Now()
			ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), m, ExtractOptions{})
			elapsed, peak := time.Since(start), stop()
			t.Logf("%s sparse 1 GiB: %d byte blob, extracted in %v, heap peak %.1f MiB", name, len(blob), elapsed, float64(peak)/(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			if len(ext.Entries) != 2 || ext.Entries[0].Path != "var/lib/dpkg/status" || ext.Entries[0].Type != TypeFile ||
				ext.Entries[0].Size != size || ext.Entries[0].Captured || ext.Entries[1].Path != "after" {
				t.Errorf("entries = %+v", ext.Entries)
			}
			wantWarning(t, ext.Warnings, "var/lib/dpkg/status", "not read", "1073741824")
			if peak > 64<<20 || elapsed > 5*time.Second {
				t.Errorf("sparse file cost %d MiB and %v", peak>>20, elapsed)
			}
		})
	}
	// Under the limits, the holes read as zeros.
	blob := testimage.LayerTar(testimage.File{Name: "var/lib/dpkg/status", Type: 'S', Body: []byte("P"), Size: 4096})
	ext := extractBlob(t, blob, m, Limits{})
	if e := ext.Entries[0]; !e.Captured || len(e.Data) != 4096 || e.Data[0] != 'P' || e.Data[4095] != 0 {
		t.Errorf("small sparse file: captured %v, %d bytes", e.Captured, len(e.Data))
	}
}

func TestManyTinyFiles(t *testing.T) {
	const n = 100_000
	var buf bytes.Buffer
	zw := kgzip.NewWriter(&buf)
	files := make([]testimage.File, 0, n)
	for i := range n {
		files = append(files, testimage.File{Name: fmt.Sprintf("usr/share/d%03d/f%05d", i/1000, i), Body: []byte{byte(i)}})
	}
	if err := testimage.WriteLayerTar(zw, files...); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	files = nil
	blob := buf.Bytes()
	m := mustMatcher(t, "var/lib/dpkg/status", "**/package.json", "usr/share/d000/*")

	stop := heapPeak()
	start := time.Now()
	ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), m, ExtractOptions{})
	elapsed, peak := time.Since(start), stop()
	t.Logf("%d tiny files: %d byte gzip blob, extracted in %v, heap peak %.1f MiB above baseline", n, len(blob), elapsed, float64(peak)/(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Entries) != n {
		t.Errorf("%d entries; want %d", len(ext.Entries), n)
	}
	captured := 0
	for _, e := range ext.Entries {
		if e.Captured {
			captured++
		}
	}
	if captured != 1000 {
		t.Errorf("%d files captured; want the 1000 of usr/share/d000", captured)
	}
	if peak > 64<<20 {
		t.Errorf("heap grew by %d MiB; want < 64 MiB", peak>>20)
	}
	f := Merge(ext)
	if got := len(f.Glob("usr/share/*/f*")); got != n {
		t.Errorf("Glob found %d files", got)
	}
}

func TestCorruptLayers(t *testing.T) {
	good := testimage.LayerTar(file("etc/os-release", "ID=x\n"), file("usr/share/doc/big", strings.Repeat("d", 4000)), file("etc/passwd", "root"))
	gz := testimage.Gzip(good)
	corruptGz := bytes.Clone(gz)
	for i := 20; i < len(corruptGz)-8; i += 7 {
		corruptGz[i] ^= 0x5a
	}
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-6] ^= 0xff
	random := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	m := mustMatcher(t, "etc/*")

	for _, tc := range []struct {
		name  string
		blob  []byte
		where string // in the error message
	}{
		{"tar cut in a skipped file", good[:512*4+100], "entry after usr/share/doc/big: corrupt or truncated layer: unexpected EOF"},
		{"tar cut in a captured file", good[:len(good)-1024-512+2], "at etc/passwd"},
		{"tar cut in a header", good[:512*2+200], "entry after etc/os-release"},
		{"tar cut in the first header", good[:100], "first entry"},
		{"gzip cut in the stream", gz[:len(gz)/2], "entry: corrupt or truncated layer: gzip: unexpected EOF"},
		{"gzip cut in the trailer", gz[:len(gz)-3], "at (end of archive): gzip: unexpected EOF"},
		{"gzip with a bad checksum", badCRC, "at (end of archive): gzip: invalid checksum"},
		{"gzip corrupt", corruptGz, "entry: corrupt or truncated layer: gzip: "},
		{"gzip header only", gz[:10], "at first entry: corrupt or truncated layer: gzip: unexpected EOF"},
		{"zstd cut", testimage.Zstd(good)[:40], "at first entry: corrupt or truncated layer: zstd: "},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0, 0}, "reading gzip header"},
		{"random bytes", random, "at first entry: corrupt or truncated layer: archive/tar: invalid tar header"},
		{"bzip2", []byte("BZh91AY&SY"), "bzip2"},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0}, "xz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ExtractTar(context.Background(), bytes.NewReader(tc.blob), m, ExtractOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.where) {
				t.Errorf("error %q does not say %q", err, tc.where)
			}
			var ee *EntryError
			if strings.Contains(tc.where, "entry") && !errors.As(err, &ee) {
				t.Errorf("error %v is not an *EntryError", err)
			}
		})
	}
}

func TestTarNamedLikeACompressionMagic(t *testing.T) {
	// A tar's first bytes are its first entry's name. A layer whose first
	// file is named "BZh..." is still a tar, not a bzip2 stream.
	for _, name := range []string{"BZh91AY&SY", "\xfd7zXZ\x00"[:5] + "-file"} {
		ext, err := ExtractTar(context.Background(), bytes.NewReader(testimage.LayerTar(file(name, "x"))), nil, ExtractOptions{})
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if len(ext.Entries) != 1 || ext.Entries[0].Path != name || ext.Compression != "none" {
			t.Errorf("%q: %+v", name, ext)
		}
	}
}

func TestLongPaths(t *testing.T) {
	long := strings.Repeat("d/", 2100) + "f"
	ext := layer(t, file(long, "x"), file("after", "y"))
	if len(ext.Entries) != 1 || ext.Entries[0].Path != "after" {
		t.Errorf("entries %+v; want the long path skipped", ext.Entries)
	}
	wantWarning(t, ext.Warnings, "", "path longer than 4096 bytes")
	for _, w := range ext.Warnings {
		if len(w.Path) > 100 {
			t.Errorf("warning path is %d bytes long", len(w.Path))
		}
	}
	// A limit shorter than the shortened name in the warning.
	ext = extractBlob(t, testimage.LayerTar(file("abcdefghijklmnopqrstuvwxyz", "x"), file("short", "y")), all, Limits{MaxPathLen: 10})
	wantWarning(t, ext.Warnings, "abcdefghijklmnopqrstuvwxyz", "path longer than 10 bytes")
	if len(ext.Entries) != 1 || ext.Entries[0].Path != "short" {
		t.Errorf("entries %+v", ext.Entries)
	}
	// Symbolic link targets are paths too.
	ext = layer(t, symlink("l", strings.Repeat("../", 2000)+"etc/passwd"), file("ok", "o"))
	if len(ext.Entries) != 1 || ext.Entries[0].Path != "ok" {
		t.Errorf("entries %+v; want the link with a long target skipped", ext.Entries)
	}
	wantWarning(t, ext.Warnings, "l", "link target longer than 4096 bytes")
}

func TestMaxEntries(t *testing.T) {
	lim := Limits{MaxEntries: 10}
	var files, longNames, roots []testimage.File
	for i := range 20 {
		files = append(files, file(fmt.Sprintf("f%d", i), ""))
		longNames = append(longNames, file(fmt.Sprintf("%s%d", strings.Repeat("x", 20), i), ""))
		roots = append(roots, dir("./"))
	}
	for name, tc := range map[string]struct {
		files []testimage.File
		lim   Limits
	}{
		"files": {files, lim},
		// Skipped entries count too: they cost a header and a warning each.
		"skipped long names": {longNames, Limits{MaxEntries: 10, MaxPathLen: 10}},
		"root entries":       {roots, lim},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ExtractTar(context.Background(), bytes.NewReader(testimage.LayerTar(tc.files...)), nil, ExtractOptions{Limits: tc.lim})
			var ee *EntryError
			if !errors.Is(err, ErrLimit) || !errors.As(err, &ee) || !strings.Contains(err.Error(), "more than 10 entries") {
				t.Errorf("err = %v; want an *EntryError wrapping ErrLimit", err)
			}
		})
	}
	if _, err := ExtractTar(context.Background(), bytes.NewReader(testimage.LayerTar(files[:10]...)), nil, ExtractOptions{Limits: lim}); err != nil {
		t.Errorf("exactly MaxEntries: %v", err)
	}
}

func TestExtractTarHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ExtractTar(ctx, bytes.NewReader(testimage.LayerTar(file("a", "a"))), nil, ExtractOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}

// snapshot lists everything under root with size, mode and time.
func snapshot(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %v %d %v", p, info.Mode(), info.Size(), info.ModTime().UnixNano()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// evilFiles lists what exists of the files a hostile layer names in the
// temporary directory: the top-level evil* names, and anywhere below it the
// names that hold token, unique to this run, so that other tests' files
// do not count.
func evilFiles(root, token string) map[string]bool {
	found := map[string]bool{}
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "evil") {
				found[filepath.Join(root, e.Name())] = true
			}
		}
	}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if strings.Contains(d.Name(), token) {
			found[p] = true
		}
		return nil
	})
	return found
}

func TestExtractTarWritesNothingToDisk(t *testing.T) {
	tmp := t.TempDir()
	work := filepath.Join(tmp, "work", "dir")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	token := fmt.Sprintf("evil-%d-%d", os.Getpid(), time.Now().UnixNano())
	beforeTmp := evilFiles(os.TempDir(), token)
	beforeWork, beforeAll := snapshot(t, work), snapshot(t, tmp)

	blob := testimage.Gzip(testimage.LayerTar(
		file("../../evil", "pwned"),
		file("../../../../../../../tmp/evil", "pwned"),
		file("../../../../../../../tmp/"+token, "pwned"),
		file("/tmp/evil-abs", "pwned"),
		file("/tmp/"+token+"-abs", "pwned"),
		dir("../../evil-dir/"),
		symlink("link", "/tmp"),
		file("link/"+token+"-through-link", "pwned"),
		symlink("evil-symlink", "../../../../etc/passwd"),
		hardlink("../../"+token+"-hard", "/etc/passwd"),
		testimage.File{Name: "../" + token + "-fifo", Type: '6'},
	))
	ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), all, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Entries) != 11 {
		t.Errorf("%d entries", len(ext.Entries))
	}
	f := Merge(ext)
	wantContent(t, f, "evil", "pwned", 0)
	wantContent(t, f, "tmp/evil", "pwned", 0)
	wantContent(t, f, "link/"+token+"-through-link", "pwned", 0)

	wantDiff(t, "working directory", beforeWork, snapshot(t, work))
	wantDiff(t, "the test's temporary directory", beforeAll, snapshot(t, tmp))
	wantDiff(t, "evil files in "+os.TempDir(), beforeTmp, evilFiles(os.TempDir(), token))
}

func TestReadErrorsAreReported(t *testing.T) {
	blob := testimage.LayerTar(file("a", "a"), file("b", strings.Repeat("b", 5000)))
	boom := errors.New("connection reset")
	_, err := ExtractTar(context.Background(), io.MultiReader(bytes.NewReader(blob[:1500]), errReader{boom}), all, ExtractOptions{})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v; want the reader's error", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
