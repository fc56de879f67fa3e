package layerfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-dev/vigil/internal/testimage"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpora under testdata/fuzz")

// fuzzLimits keep each fuzz input cheap.
var fuzzLimits = Limits{MaxFileSize: 1 << 20, MaxCaptured: 4 << 20, MaxLayerSize: 64 << 20, MaxEntries: 10_000, MaxPathLen: 1024}

// seedLayers are valid layers that exercise whiteouts, links and the
// three compressions.
func seedLayers() map[string][]byte {
	whiteouts := testimage.LayerTar(
		dir("etc/"), file("etc/os-release", "ID=seed\n"), file("etc/.wh.passwd", ""),
		dir("opt/"), file("opt/.wh..wh..opq", ""), file("opt/app", "app"), file(".wh.lib", ""),
	)
	links := testimage.LayerTar(
		file("usr/lib/os-release", "ID=seed\n"), symlink("etc/os-release", "../usr/lib/os-release"),
		symlink("lib", "usr/lib"), symlink("loop", "loop"), hardlink("etc/hard", "usr/lib/os-release"),
		hardlink("evil", "../../etc/shadow"), symlink("up", "../../../../etc/passwd"),
	)
	hostile := testimage.LayerTar(
		file("../../evil", "x"), file("/abs", "y"), testimage.File{Name: "fifo", Type: '6'},
		testimage.File{Name: "sparse", Type: 'S', Body: []byte("s"), Size: 3000},
		testimage.File{Name: "pax-sparse", Type: testimage.TypePAXSparse, Body: []byte("p"), Size: 2000},
		file(strings.Repeat("long/", 30)+"name", "pax path"),
	)
	return map[string][]byte{
		"whiteouts-tar":  whiteouts,
		"whiteouts-gzip": testimage.Gzip(whiteouts),
		"links-zstd":     testimage.Zstd(links),
		"links-tar":      links,
		"hostile-gzip":   testimage.Gzip(hostile),
		"hostile-tar":    hostile,
		"multi-gzip":     append(testimage.Gzip(links[:700]), testimage.Gzip(links[700:])...),
		"truncated-gzip": testimage.Gzip(whiteouts)[:60],
		"empty":          {},
		"bzip2-magic":    []byte("BZh91AY&SY"),
	}
}

// seedPrograms are inputs for FuzzMerge (see fuzzLayers).
func seedPrograms() map[string][]byte {
	return map[string][]byte{
		// file a, layer, whiteout a, layer, file a
		"recreate": {0, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0},
		// dir lib, file lib/a; layer; symlink lib -> usr; file usr/x
		"usrmerge": {2, 2, 0, 0, 0, 0x02, 0x40, 0, 5, 0, 0, 0, 3, 2, 0, 3, 0, 0x13, 0x40, 0},
		// file a/b; layer; opaque a; file a/x
		"opaque": {0, 0x10, 0x41, 0, 5, 0, 0, 0, 7, 0, 0, 0, 0, 0xd0, 0x40, 0},
		// symlink loops and escapes
		"links": {3, 0, 0, 0, 3, 1, 0, 1, 3, 2, 0, 0x86, 4, 3, 0, 0x24, 0, 4, 0, 5},
	}
}

func writeCorpus(t *testing.T, target string, seeds map[string][]byte) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFuzzCorpus checks that the committed seed corpora are there;
// go test -run TestFuzzCorpus -args -update-corpus rewrites them.
func TestFuzzCorpus(t *testing.T) {
	cleanPaths := map[string]string{
		"dotdot": "../../etc/passwd", "abs": "/etc/passwd", "mixed": "a/./b/../../../c//d/",
		"empty": "", "whiteout": "etc/.wh..wh..opq", "dots": "...//.../..",
	}
	targets := map[string]map[string][]byte{"FuzzExtractTar": seedLayers(), "FuzzMerge": seedPrograms()}
	if *updateCorpus {
		for target, seeds := range targets {
			writeCorpus(t, target, seeds)
		}
		dir := filepath.Join("testdata", "fuzz", "FuzzCleanPath")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, s := range cleanPaths {
			if err := os.WriteFile(filepath.Join(dir, name), fmt.Appendf(nil, "go test fuzz v1\nstring(%q)\n", s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	targets["FuzzCleanPath"] = map[string][]byte{}
	for name := range cleanPaths {
		targets["FuzzCleanPath"][name] = nil
	}
	for target, seeds := range targets {
		for name := range seeds {
			if _, err := os.Stat(filepath.Join("testdata", "fuzz", target, name)); err != nil {
				t.Errorf("seed missing (go test ./layerfs -run TestFuzzCorpus -args -update-corpus): %v", err)
			}
		}
	}
}

func FuzzExtractTar(f *testing.F) {
	for _, b := range seedLayers() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), all, ExtractOptions{Limits: fuzzLimits})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if want := fmt.Sprintf("sha256:%x", sha256.Sum256(blob)); ext.Digest != want {
			t.Errorf("Digest %s, want %s", ext.Digest, want)
		}
		if ext.Compression == "none" && ext.DiffID != ext.Digest {
			t.Errorf("uncompressed blob: DiffID %s != Digest %s", ext.DiffID, ext.Digest)
		}
		if ext.Size > fuzzLimits.MaxLayerSize || len(ext.Entries) > fuzzLimits.MaxEntries {
			t.Errorf("limits passed: size %d, %d entries", ext.Size, len(ext.Entries))
		}
		var captured int64
		for _, e := range ext.Entries {
			checkEntry(t, e)
			if e.Captured && e.Type == TypeFile {
				captured += int64(len(e.Data))
			}
		}
		if captured > fuzzLimits.MaxCaptured {
			t.Errorf("captured %d bytes", captured)
		}
		exercise(t, Merge(ext), entryPaths(ext))
	})
}

func checkEntry(t *testing.T, e Entry) {
	t.Helper()
	if e.Path == "" && e.Type != TypeOpaque {
		t.Errorf("entry with an empty path: %+v", e)
	}
	if !isClean(e.Path) {
		t.Errorf("entry path %q is not clean", e.Path)
	}
	if e.Type == TypeHardlink && !isClean(e.Link) {
		t.Errorf("hard link target %q is not clean", e.Link)
	}
	if e.Captured && (e.Type != TypeFile && e.Type != TypeHardlink || int64(len(e.Data)) != e.Size || e.Size > fuzzLimits.MaxFileSize) {
		t.Errorf("captured entry %s: type %v, %d bytes, size %d", e.Path, e.Type, len(e.Data), e.Size)
	}
	if !e.Captured && e.Data != nil {
		t.Errorf("entry %s has data but is not captured", e.Path)
	}
}

// isClean reports whether p is a clean path relative to the root (or "").
func isClean(p string) bool {
	if p == "" {
		return true
	}
	if strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return false
	}
	return !slices.Contains(strings.Split(p, "/"), "..")
}

func entryPaths(exts ...*Extract) []string {
	var out []string
	for _, ext := range exts {
		for _, e := range ext.Entries {
			out = append(out, e.Path, e.Path+"/x", path.Dir(e.Path))
			if e.Link != "" {
				out = append(out, e.Link)
			}
		}
	}
	return out
}

// exercise looks every path up every way and checks that the answers agree.
func exercise(t *testing.T, f *FS, paths []string) {
	t.Helper()
	for _, p := range paths {
		st, serr := f.Stat(p)
		lst, lerr := f.Lstat(p)
		data, layer, rerr := f.ReadFile(p)
		if serr == nil {
			if !isClean(st.Path) {
				t.Errorf("Stat(%q).Path = %q is not clean", p, st.Path)
			}
			if again, err := f.Lstat(st.Path); err != nil || again.Type != st.Type || again.Layer != st.Layer {
				t.Errorf("Stat(%q) = %+v, but Lstat of that path = %+v, %v", p, st, again, err)
			}
			if st.Type == TypeSymlink {
				t.Errorf("Stat(%q) returned a symbolic link", p)
			}
		}
		if f.Exists(p) != (serr == nil) {
			t.Errorf("Exists(%q) disagrees with Stat: %v", p, serr)
		}
		if rerr == nil && (serr != nil || st.Type != TypeFile || st.Layer != layer || int64(len(data)) != st.Size) {
			t.Errorf("ReadFile(%q) = %d bytes from layer %d, but Stat = %+v, %v", p, len(data), layer, st, serr)
		}
		if lerr == nil && lst.Type != TypeSymlink && (serr != nil || st.Type != lst.Type) {
			t.Errorf("Lstat(%q) = %+v, Stat = %+v, %v", p, lst, st, serr)
		}
		if clean := cleanRel(p); clean != "" && !strings.ContainsAny(clean, `*?[\`) {
			got := f.Glob(p)
			if (lerr == nil) != slices.Equal(got, []string{clean}) {
				t.Errorf("Glob(%q) = %q, but Lstat: %v", p, got, lerr)
			}
			f.Glob(path.Join(path.Dir(clean), "*"))
		}
		checkHistory(t, f, p)
	}
	err := f.Walk(func(i Info) error {
		if !isClean(i.Path) || i.Path == "" {
			t.Errorf("Walk: path %q", i.Path)
		}
		if i.Type != TypeDir && strings.HasPrefix(path.Base(i.Path), ".wh.") {
			t.Errorf("Walk: whiteout marker %q in the merged view", i.Path)
		}
		if i.Layer < 0 || i.Layer >= f.Layers() {
			t.Errorf("Walk: %q from layer %d of %d", i.Path, i.Layer, f.Layers())
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// checkHistory checks that History(p) agrees with the view: one Version a
// layer, no deletion of nothing, and a last Version that is the captured
// file found at the literal path p.
func checkHistory(t *testing.T, f *FS, p string) {
	t.Helper()
	vs := f.History(p)
	for i, v := range vs {
		if i > 0 && v.Layer <= vs[i-1].Layer {
			t.Errorf("History(%q) has two versions for layer %d: %+v", p, v.Layer, vs)
		}
		if v.Deleted && (i == 0 || vs[i-1].Deleted) {
			t.Errorf("History(%q) deletes nothing: %+v", p, vs)
		}
	}
	literal := false
	lst, err := f.Lstat(p)
	if err == nil && lst.Path == cleanRel(p) && lst.Type == TypeFile {
		_, _, rerr := f.ReadFile(p)
		literal = rerr == nil
	}
	if len(vs) == 0 || vs[len(vs)-1].Deleted {
		if literal {
			t.Errorf("History(%q) = %+v, but the path holds a captured file", p, vs)
		}
		return
	}
	last := vs[len(vs)-1]
	if !literal {
		t.Errorf("History(%q) ends with %+v, but the path holds no captured file (Lstat %+v, %v)", p, last, lst, err)
		return
	}
	// A symbolic link in p's last component is not followed by Lstat, and
	// ReadFile follows it: p is a file here, so ReadFile reads p itself.
	data, layer, _ := f.ReadFile(p)
	if !bytes.Equal(last.Data, data) || last.Layer != layer {
		t.Errorf("History(%q) ends with %+v; ReadFile = %q from layer %d", p, last, data, layer)
	}
}

var fuzzNames = []string{"a", "b", "lib", "usr", "etc", "os-release", "..", ".", ".wh.a", ".wh.b", ".wh..wh..opq", ".wh.lib", "", "x"}

func fuzzPath(b1, b2 byte) string {
	comps := []string{
		fuzzNames[int(b1&0x0f)%len(fuzzNames)],
		fuzzNames[int(b1>>4)%len(fuzzNames)],
		fuzzNames[int(b2&0x0f)%len(fuzzNames)],
	}
	p := strings.Join(comps[:1+int(b2>>6)%3], "/")
	if b2&0x20 != 0 {
		p = "/" + p
	}
	return p
}

// fuzzLayers decodes fuzz bytes into layers, four bytes an entry: an
// operation, two bytes of path and one of link target, built from a few
// names so that paths collide.
func fuzzLayers(data []byte) [][]testimage.File {
	layers := [][]testimage.File{nil}
	for i := 0; i+4 <= len(data) && i < 4*64; i += 4 {
		op, p := data[i]%8, fuzzPath(data[i+1], data[i+2])
		target := fuzzPath(data[i+3], data[i+1]^data[i+2])
		cur := &layers[len(layers)-1]
		switch op {
		case 0, 1:
			*cur = append(*cur, file(p, fmt.Sprintf("v%d", i)))
		case 2:
			*cur = append(*cur, dir(p+"/"))
		case 3:
			*cur = append(*cur, symlink(p, target))
		case 4:
			*cur = append(*cur, hardlink(p, target))
		case 5:
			if len(layers) < 5 {
				layers = append(layers, nil)
			}
		case 6:
			*cur = append(*cur, file(path.Join(path.Dir(p), ".wh."+path.Base(p)), ""))
		case 7:
			*cur = append(*cur, file(path.Join(p, ".wh..wh..opq"), ""))
		}
	}
	return layers
}

// consistent reports whether a layer could come from a file system diff:
// no path is both a non-directory and the parent of another entry, and
// there are no hard links, which may name a file that a whiteout of the
// same layer removes (making order matter).
func consistent(files []testimage.File) bool {
	nonDirs := map[string]bool{}
	for _, f := range files {
		if f.Type == '1' {
			return false
		}
		if p, _ := cleanPath(f.Name); f.Type != '5' && !isWhiteout(f) {
			nonDirs[p] = true
		}
	}
	for _, f := range files {
		p, _ := cleanPath(f.Name)
		for d := path.Dir(p); d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if nonDirs[d] {
				return false
			}
		}
	}
	return true
}

func isWhiteout(f testimage.File) bool { return strings.HasPrefix(path.Base(f.Name), ".wh.") }

// reorder puts a layer's whiteouts first or last, other entries keeping
// their order: the spec says whiteouts apply whatever their position.
func reorder(files []testimage.File, first bool) []testimage.File {
	var wh, rest []testimage.File
	for _, f := range files {
		if isWhiteout(f) {
			wh = append(wh, f)
		} else {
			rest = append(rest, f)
		}
	}
	if first {
		return append(wh, rest...)
	}
	return append(rest, wh...)
}

func mergeFiles(t *testing.T, layers [][]testimage.File) (*FS, []*Extract, bool) {
	var exts []*Extract
	for _, files := range layers {
		var buf bytes.Buffer
		if err := testimage.WriteLayerTar(&buf, files...); err != nil {
			return nil, nil, false // a name archive/tar refuses to write
		}
		ext, err := ExtractTar(context.Background(), &buf, all, ExtractOptions{Limits: fuzzLimits})
		if err != nil {
			t.Fatalf("ExtractTar of a well-formed layer: %v", err)
		}
		exts = append(exts, ext)
	}
	return Merge(exts...), exts, true
}

type viewEntry struct {
	Path  string
	Type  EntryType
	Layer int
	Link  string
	Data  string
}

func view(f *FS) []viewEntry {
	var out []viewEntry
	_ = f.Walk(func(i Info) error {
		v := viewEntry{Path: i.Path, Type: i.Type, Layer: i.Layer, Link: i.Link}
		if i.Type == TypeFile {
			if b, _, err := f.ReadFile(i.Path); err == nil {
				v.Data = string(b)
			}
		}
		out = append(out, v)
		return nil
	})
	return out
}

func FuzzMerge(f *testing.F) {
	for _, b := range seedPrograms() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		layers := fuzzLayers(data)
		fs, exts, ok := mergeFiles(t, layers)
		if !ok {
			return
		}
		paths := entryPaths(exts...)
		for _, files := range layers {
			for _, file := range files {
				paths = append(paths, file.Name, file.Linkname)
			}
		}
		exercise(t, fs, paths)

		// Where a layer's whiteouts sit in it does not matter, for layers
		// that are consistent.
		for _, files := range layers {
			if !consistent(files) {
				return
			}
		}
		var first, last [][]testimage.File
		for _, files := range layers {
			first = append(first, reorder(files, true))
			last = append(last, reorder(files, false))
		}
		a, _, okA := mergeFiles(t, first)
		b, _, okB := mergeFiles(t, last)
		if !okA || !okB {
			return
		}
		if diff := cmp.Diff(view(a), view(b)); diff != "" {
			t.Errorf("whiteouts first vs last (-first +last):\n%s", diff)
		}
		for _, p := range paths {
			if diff := cmp.Diff(a.History(p), b.History(p)); diff != "" {
				t.Errorf("History(%q), whiteouts first vs last (-first +last):\n%s", p, diff)
			}
		}
	})
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"", "/", "..", "../../etc/passwd", "/abs/path", "a/./b/../../../c", "a//b/", ".wh.x", "...", "a/..b/c.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p, unsafe := cleanPath(name)
		if strings.HasPrefix(p, "/") {
			t.Errorf("cleanPath(%q) = %q starts with /", name, p)
		}
		if p != "" && slices.ContainsFunc(strings.Split(p, "/"), func(c string) bool { return c == ".." || c == "." || c == "" }) {
			t.Errorf("cleanPath(%q) = %q has a .., . or empty component", name, p)
		}
		if again, u := cleanPath(p); again != p || u {
			t.Errorf("cleanPath(%q) = %q, %v; not idempotent: %q, %v", name, p, unsafe, again, u)
		}
		if strings.HasPrefix(name, "/") && !unsafe {
			t.Errorf("cleanPath(%q): an absolute name is not reported unsafe", name)
		}
		// A name that stays below the root means what path.Join means.
		if !unsafe {
			if want := strings.TrimPrefix(path.Clean("/"+name), "/"); p != want {
				t.Errorf("cleanPath(%q) = %q; want %q", name, p, want)
			}
			if rel := path.Clean(name); rel == ".." || strings.HasPrefix(rel, "../") {
				t.Errorf("cleanPath(%q) says safe, but it leaves the root", name)
			}
		} else if !strings.HasPrefix(name, "/") {
			if rel := path.Clean(name); rel != ".." && !strings.HasPrefix(rel, "../") && !climbs(name) {
				t.Errorf("cleanPath(%q) says unsafe, but it stays below the root", name)
			}
		}
		if p == "" && name != "" && strings.Trim(name, "/.") != "" && !unsafe && path.Clean(name) != "." {
			t.Errorf("cleanPath(%q) is empty", name)
		}
	})
}

// climbs reports whether name goes above its starting directory at some
// point, even if it comes back down ("a/../../b").
func climbs(name string) bool {
	depth := 0
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

func FuzzCleanRel(f *testing.F) {
	for _, s := range []string{"/usr/bin/x", "a//b", "a/./b", "../x", "a/..", ".", "", "/", "a/.b", "a../b", "..a", "//0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := cleanRel(p), strings.TrimPrefix(path.Clean("/"+p), "/"); got != want {
			t.Fatalf("cleanRel(%q) = %q, want %q", p, got, want)
		}
	})
}
