package layerfs

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/testimage"
)

func TestMatcher(t *testing.T) {
	m := mustMatcher(t,
		"var/lib/dpkg/status",
		"var/lib/dpkg/info/*.list",
		"usr/lib/python3*/site-packages/*/METADATA",
		"**/package.json",
		"**/*.jar",
		"lib/apk/db/installed",
		"var/lib/dpkg/status", // duplicate
	)
	for p, want := range map[string]bool{
		"var/lib/dpkg/status":                                true,
		"var/lib/dpkg/status-old":                            false,
		"x/var/lib/dpkg/status":                              false,
		"var/lib/dpkg/info/libc6.list":                       true,
		"var/lib/dpkg/info/libc6:amd64.list":                 true,
		"var/lib/dpkg/info/sub/libc6.list":                   false,
		"var/lib/dpkg/info/libc6.md5sums":                    false,
		"usr/lib/python3.11/site-packages/rich/METADATA":     true,
		"usr/lib/python2.7/site-packages/rich/METADATA":      false,
		"package.json":                                       true,
		"app/package.json":                                   true,
		"app/node_modules/@scope/pkg/package.json":           true,
		"app/package.json.bak":                               false,
		"app/mypackage.json":                                 false,
		"opt/app/lib/log4j-core-2.14.jar":                    true,
		"lib/apk/db/installed":                               true,
		"":                                                   false,
		"usr/lib/python3.11/site-packages/rich/sub/METADATA": false,
	} {
		if got := m.Match(p); got != want {
			t.Errorf("Match(%q) = %v; want %v", p, got, want)
		}
	}
	wantDiff(t, "Patterns", []string{
		"**/*.jar", "**/package.json", "lib/apk/db/installed",
		"usr/lib/python3*/site-packages/*/METADATA",
		"var/lib/dpkg/info/*.list", "var/lib/dpkg/status",
	}, m.Patterns())
}

func TestMatcherKey(t *testing.T) {
	a := mustMatcher(t, "a", "b")
	b := mustMatcher(t, "b", "a", "a")
	c := mustMatcher(t, "a", "c")
	if a.Key() != b.Key() {
		t.Errorf("same patterns, different keys %s %s", a.Key(), b.Key())
	}
	if a.Key() == c.Key() {
		t.Errorf("different patterns, same key %s", a.Key())
	}
	if len(a.Key()) != 16 {
		t.Errorf("Key() = %q", a.Key())
	}
}

func TestMatcherRejectsBadPatterns(t *testing.T) {
	for _, p := range []string{"", "/etc/passwd", "./etc", "etc/", "etc//passwd", "etc/../passwd", "..", ".", "../etc/passwd", "[", "etc/[a-", "**/[", `etc\`, "**/../x"} {
		if _, err := NewMatcher("ok", p); err == nil {
			t.Errorf("NewMatcher(%q) accepted it", p)
		} else if !strings.Contains(err.Error(), "layerfs: pattern") {
			t.Errorf("NewMatcher(%q): %v; want the pattern named", p, err)
		}
	}
}

func TestNilMatcherMatchesNothing(t *testing.T) {
	var m *Matcher
	if m.Match("etc/passwd") {
		t.Error("nil Matcher matched")
	}
	empty := mustMatcher(t)
	if empty.Match("etc/passwd") || len(empty.Patterns()) != 0 {
		t.Error("empty Matcher matched")
	}
}

// TestLargeFiles: files marked large by WithLarge are read up to
// MaxDatabaseSize, the others only up to MaxFileSize, from a tar and from a
// directory alike.
func TestLargeFiles(t *testing.T) {
	m, err := mustMatcher(t, "etc/small").WithLarge("var/lib/rpm/Packages")
	if err != nil {
		t.Fatal(err)
	}
	if !m.Match("var/lib/rpm/Packages") || !m.Large("var/lib/rpm/Packages") || m.Large("etc/small") {
		t.Fatal("WithLarge does not match or mark its patterns")
	}
	if m.Key() == mustMatcher(t, "etc/small", "var/lib/rpm/Packages").Key() {
		t.Error("the cache key does not tell large patterns apart")
	}
	body := make([]byte, 2048)
	files := []testimage.File{{Name: "etc/small", Body: body}, {Name: "var/lib/rpm/Packages", Body: body}}
	lim := Limits{MaxFileSize: 1024, MaxDatabaseSize: 4096}
	tarExt := extractBlob(t, testimage.LayerTar(files...), m, lim)
	dirExt, err := ExtractDir(context.Background(), testimage.WriteRootFS(t, files...), m, lim)
	if err != nil {
		t.Fatal(err)
	}
	for name, ext := range map[string]*Extract{"tar": tarExt, "dir": dirExt} {
		captured := map[string]bool{}
		for _, e := range ext.Entries {
			captured[e.Path] = e.Captured
		}
		if captured["etc/small"] || !captured["var/lib/rpm/Packages"] {
			t.Errorf("%s: captured = %v, want only the database", name, captured)
		}
		if len(ext.Warnings) != 1 || ext.Warnings[0].Path != "etc/small" || !strings.Contains(ext.Warnings[0].Message, "over the 1024 byte limit") {
			t.Errorf("%s: warnings = %+v", name, ext.Warnings)
		}
	}
}

// TestFSMatched: the files a Matcher selected are listed without a walk,
// captured or not, and only while they exist.
func TestFSMatched(t *testing.T) {
	m := mustMatcher(t, "**/package.json", "etc/big")
	l0 := extractBlob(t, testimage.LayerTar(
		testimage.File{Name: "app/node_modules/a/package.json", Body: []byte("{}")},
		testimage.File{Name: "app/node_modules/b/package.json", Body: []byte("{}")},
		testimage.File{Name: "etc/big", Body: make([]byte, 2048)},
		testimage.File{Name: "etc/other", Body: []byte("x")},
	), m, Limits{MaxFileSize: 1024})
	l1 := extractBlob(t, testimage.LayerTar(testimage.File{Name: "app/node_modules/.wh.b"}), m, Limits{})
	var got []string
	for _, info := range Merge(l0, l1).Matched() {
		got = append(got, info.Path)
	}
	if want := []string{"app/node_modules/a/package.json", "etc/big"}; !slices.Equal(got, want) {
		t.Errorf("Matched = %q, want %q", got, want)
	}
}

// FuzzMatchAnyDepth checks the fast "**/" matching against its definition:
// the remainder matches some suffix of the path that starts at a component.
func FuzzMatchAnyDepth(f *testing.F) {
	f.Add("node_modules/*/package.json", "app/node_modules/a/package.json")
	f.Add("*.dist-info/METADATA", "usr/lib/python3/x.dist-info/METADATA")
	f.Add("go.mod", "go.mod")
	f.Add("a/b", "b")
	f.Fuzz(func(t *testing.T, rest, p string) {
		m, err := NewMatcher("**/" + rest)
		if err != nil || p == "" || path.Clean(p) != p || strings.HasPrefix(p, "/") {
			return
		}
		want := false
		for s := p; ; {
			if ok, _ := path.Match(rest, s); ok {
				want = true
				break
			}
			i := strings.IndexByte(s, '/')
			if i < 0 {
				break
			}
			s = s[i+1:]
		}
		if got := m.Match(p); got != want {
			t.Fatalf("Match(%q) with **/%s = %v, want %v", p, rest, got, want)
		}
	})
}

// TestSniffOnlyWhereNoPlainPattern: a file at the root matches both a
// sniffed "*" and a plain "**/go.mod"; the plain pattern keeps it whatever
// its content, the sniff drops the other root files.
func TestSniffOnlyWhereNoPlainPattern(t *testing.T) {
	m, err := mustMatcher(t, "**/go.mod").WithSniff("elf", func(h []byte) bool { return strings.HasPrefix(string(h), "\x7fELF") }, "*")
	if err != nil {
		t.Fatal(err)
	}
	if m, err = m.WithLarge("var/lib/rpm/Packages"); err != nil {
		t.Fatal(err)
	}
	ext := extractBlob(t, testimage.LayerTar(
		testimage.File{Name: "go.mod", Body: []byte("module x\n")},
		testimage.File{Name: "manager", Body: []byte("\x7fELF...")},
		testimage.File{Name: "notes.txt", Body: []byte("hello")},
		testimage.File{Name: "var/lib/rpm/Packages", Body: []byte("db")},
	), m, Limits{})
	var got []string
	for _, info := range Merge(ext).Matched() {
		got = append(got, info.Path)
	}
	if want := []string{"go.mod", "manager", "var/lib/rpm/Packages"}; !slices.Equal(got, want) {
		t.Errorf("Matched = %q, want %q", got, want)
	}
}

// TestFilterReduce: two filters over the same pattern; the first whose
// sniff accepts a file decides. A reduced file keeps what Reduce returned,
// a file Reduce finds nothing in is not kept, a Reduce error or panic is a
// warning, and layers and root directories behave alike.
func TestFilterReduce(t *testing.T) {
	goFilter := binFilter("go", func(h []byte) bool { return strings.HasPrefix(string(h), "GO") }, nil)
	rustFilter := binFilter("rust", func(h []byte) bool { return strings.HasPrefix(string(h), "\x7fELF") },
		func(p string, data []byte) ([]byte, error) {
			switch {
			case strings.Contains(string(data), "panic"):
				panic("boom")
			case strings.Contains(string(data), "bad"):
				return nil, errors.New("malformed section")
			}
			_, deps, ok := strings.Cut(string(data), "deps:")
			if !ok {
				return nil, nil
			}
			return []byte(deps), nil
		})
	m := mustMatcher(t, "etc/os-release")
	var err error
	for _, f := range []Filter{goFilter, rustFilter} {
		if m, err = m.WithFilter(f); err != nil {
			t.Fatal(err)
		}
	}
	files := []testimage.File{
		file("etc/os-release", "ID=x\n"),
		file("usr/bin/gobin", "GO binary"),
		file("usr/bin/rustbin", "\x7fELF code code deps:serde 1.0"),
		file("usr/bin/cbin", "\x7fELF code code"),
		file("usr/bin/badbin", "\x7fELF bad"),
		file("usr/bin/panicbin", "\x7fELF panic"),
		file("usr/bin/script", "#!/bin/sh"),
	}
	dirRoot := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dirRoot, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Body, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fromDir, err := ExtractDir(context.Background(), dirRoot, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for name, ext := range map[string]*Extract{
		"layer": extractBlob(t, testimage.LayerTar(files...), m, Limits{}),
		"dir":   fromDir,
	} {
		fsys := Merge(ext)
		var got []string
		for _, info := range fsys.Matched() {
			got = append(got, info.Path)
		}
		if want := []string{"etc/os-release", "usr/bin/gobin", "usr/bin/rustbin"}; !slices.Equal(got, want) {
			t.Errorf("%s: Matched = %q, want %q", name, got, want)
		}
		if b, _, _ := fsys.ReadFile("usr/bin/rustbin"); string(b) != "serde 1.0" {
			t.Errorf("%s: reduced content = %q, want %q", name, b, "serde 1.0")
		}
		if b, _, _ := fsys.ReadFile("usr/bin/gobin"); string(b) != "GO binary" {
			t.Errorf("%s: unreduced content = %q", name, b)
		}
		if info, err := fsys.Stat("usr/bin/rustbin"); err != nil || info.Size != int64(len(files[2].Body)) {
			t.Errorf("%s: Stat = %+v, %v; want the file's own size", name, info, err)
		}
		wantWarning(t, ext.Warnings, "usr/bin/badbin", "rust", "malformed section")
		wantWarning(t, ext.Warnings, "usr/bin/panicbin", "rust", "internal error")
	}
	if m.Key() == mustMatcher(t, "etc/os-release").Key() {
		t.Error("filters do not change the cache key")
	}
}

func binFilter(name string, sniff func([]byte) bool, reduce func(string, []byte) ([]byte, error)) Filter {
	return Filter{Name: name, Patterns: []string{"usr/bin/*"}, Sniff: sniff, Reduce: reduce}
}

// FuzzMatchGlob: a rooted pattern matches exactly what path.Match says
// (the component count and literal prefix tests only skip work).
func FuzzMatchGlob(f *testing.F) {
	f.Add("usr/bin/*", "usr/bin/ls")
	f.Add("var/lib/dpkg/info/*.list", "var/lib/dpkg/info/sed.list")
	f.Add("opt/*/bin/*", "opt/app/bin/x")
	f.Add("usr/lib/go-*/bin/*", "usr/lib/go-1.22/bin/go")
	f.Fuzz(func(t *testing.T, pattern, p string) {
		m, err := NewMatcher(pattern)
		if err != nil || p == "" || path.Clean(p) != p || strings.HasPrefix(p, "/") {
			return
		}
		want, _ := path.Match(pattern, p)
		if got := m.Match(p); got != want {
			t.Fatalf("Match(%q) with %s = %v, want %v", p, pattern, got, want)
		}
	})
}

// TestFilterMaxRead: Reduce sees only the first MaxRead bytes of a file
// longer than that (which is then not "over the size limit"), in layers
// and root directories alike, and the file keeps its own size.
func TestFilterMaxRead(t *testing.T) {
	var seen []int
	f := Filter{Name: "prefix", Patterns: []string{"**/*.txt"}, MaxRead: 10,
		Reduce: func(p string, data []byte) ([]byte, error) {
			seen = append(seen, len(data))
			return []byte("kept:" + string(data[:3])), nil
		}}
	m, err := mustMatcher(t, "etc/os-release").WithFilter(f)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 200)
	files := []testimage.File{file("a/long.txt", big), file("a/short.txt", "abcdef")}
	root := t.TempDir()
	for _, fl := range files {
		p := filepath.Join(root, fl.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, fl.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fromDir, err := ExtractDir(context.Background(), root, m, Limits{MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for name, ext := range map[string]*Extract{
		"layer": extractBlob(t, testimage.LayerTar(files...), m, Limits{MaxFileSize: 100}),
		"dir":   fromDir,
	} {
		fsys := Merge(ext)
		if b, _, err := fsys.ReadFile("a/long.txt"); err != nil || string(b) != "kept:xxx" {
			t.Errorf("%s: long.txt kept %q, %v", name, b, err)
		}
		if info, err := fsys.Stat("a/long.txt"); err != nil || info.Size != 200 {
			t.Errorf("%s: long.txt size %+v, %v", name, info, err)
		}
		if b, _, _ := fsys.ReadFile("a/short.txt"); string(b) != "kept:abc" {
			t.Errorf("%s: short.txt kept %q", name, b)
		}
		if len(ext.Warnings) > 0 {
			t.Errorf("%s: warnings %v", name, ext.Warnings)
		}
	}
	if len(seen) != 4 {
		t.Errorf("Reduce ran %d times, want 4", len(seen))
	}
	for _, n := range seen {
		if n > 10 {
			t.Errorf("Reduce saw %d bytes, over MaxRead", n)
		}
	}
}
