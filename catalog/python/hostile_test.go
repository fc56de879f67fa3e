package python

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/layerfs"
)

func warned(t *testing.T, msgs []string, sub string) {
	t.Helper()
	for _, m := range msgs {
		if strings.Contains(m, sub) {
			return
		}
	}
	t.Errorf("no warning containing %q in %q", sub, msgs)
}

func TestHostile(t *testing.T) {
	site := "usr/local/lib/python3.12/site-packages/"
	// 2 MiB of headers without a blank line: cut at the 1 MiB default.
	var huge bytes.Buffer
	huge.WriteString("Metadata-Version: 2.1\nName: huge\nVersion: 1.0\n")
	for huge.Len() < 2<<20 {
		huge.WriteString("Classifier: License :: OSI Approved :: MIT License\n")
	}
	bigLock := bytes.Repeat([]byte("# padding\n"), 200_000) // 2 MB
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file(site+"huge-1.0.dist-info/METADATA", huge.Bytes()),
		file(site+"noname-2.0.dist-info/METADATA", []byte("Metadata-Version: 2.1\n\nbody\n")),
		file(site+"empty.dist-info/METADATA", nil),
		file(site+"legacy-3.0.egg-info/PKG-INFO", []byte("Name: legacy\nVersion: 3.0\n")),
		file(site+"legacy-3.0.egg-info/installed-files.txt", []byte("../legacy/__init__.py\n../../../../bin/legacy\n../../../../../../../../etc/passwd\n")),
		file(site+"badrecord-1.dist-info/METADATA", []byte("Name: badrecord\nVersion: 1\n")),
		file(site+"badrecord-1.dist-info/RECORD", []byte("a.py,sha256=x,1\n\"unterminated,\n")),
		file("app/a/requirements.txt", []byte("-r requirements.txt\nfoo==1\n")),
		file("app/big/poetry.lock", bigLock),
		file("app/toml/poetry.lock", []byte("[[package]\nname = \"x\"")),
		file("app/toml/uv.lock", []byte("[[package]]\nname = 1\n")),
		file("app/json/Pipfile.lock", []byte(`{"default": {"x": {"version": 3}}}`)),
	}})
	pkgs, warnings := run(t, New(WithMaxLockSize(1<<20)), fsys)
	var msgs []string
	for _, w := range warnings {
		msgs = append(msgs, w.Path+": "+w.Message)
	}
	warned(t, msgs, "huge-1.0.dist-info/METADATA: metadata headers cut at 1048576 bytes")
	warned(t, msgs, "/app/a/requirements.txt: include loop: -r requirements.txt")
	warned(t, msgs, "/app/big/poetry.lock: file not read: 2000000 bytes is over the 1048576 byte limit")
	warned(t, msgs, "/app/toml/poetry.lock: failed to parse poetry.lock")
	warned(t, msgs, "/app/toml/uv.lock: failed to parse uv.lock")
	warned(t, msgs, "/app/json/Pipfile.lock: failed to parse Pipfile.lock")
	warned(t, msgs, "empty.dist-info/METADATA: distribution metadata without a name or version")
	warned(t, msgs, "badrecord-1.dist-info/RECORD: malformed RECORD")
	k := byKey(pkgs)
	if p, ok := k["huge@1.0"]; !ok || len(p.Licenses) != 1 {
		t.Errorf("huge: %+v", p)
	}
	if _, ok := k["noname@2.0"]; !ok {
		t.Error("the name and version of a dist-info directory are a fallback for missing headers")
	}
	if _, ok := k["foo@1"]; !ok {
		t.Error("a file that includes itself is still read once")
	}
	legacy := k["legacy@3.0"]
	want := []string{"/usr/local/lib/python3.12/site-packages/legacy/__init__.py", "/usr/local/bin/legacy", "/etc/passwd"}
	if strings.Join(legacy.Files, " ") != strings.Join(want, " ") {
		t.Errorf("installed-files.txt paths = %q, want %q (relative to the egg-info, never above the root)", legacy.Files, want)
	}
	if len(pkgs) != 5 {
		t.Errorf("%d packages: %+v", len(pkgs), pkgs)
	}
}

// TestIncludeFanOut checks that includes are bounded per root file, not
// per level: 8 levels of files that each include the next one 64 times
// would otherwise mean 64^8 reads.
func TestIncludeFanOut(t *testing.T) {
	var entries []layerfs.Entry
	for i := 0; i < 10; i++ {
		var b strings.Builder
		b.WriteString("pkg" + string(rune('a'+i)) + "==1\n")
		for j := 0; j < 64; j++ {
			b.WriteString("-r ../" + string(rune('a'+i+1)) + "/requirements.txt\n")
		}
		entries = append(entries, file("x/"+string(rune('a'+i))+"/requirements.txt", []byte(b.String())))
	}
	pkgs, warnings := run(t, New(), layerfs.Merge(&layerfs.Extract{Entries: entries}))
	if len(pkgs) != 10 {
		t.Errorf("%d packages, want 10", len(pkgs))
	}
	// Each file is read once per root and each warning given once: the
	// missing x/k, and the depth limit that a reaches at j and b at k.
	var msgs []string
	for _, w := range warnings {
		msgs = append(msgs, w.Path+": "+w.Message)
	}
	if len(msgs) != 3 {
		t.Errorf("warnings = %q", msgs)
	}
	warned(t, msgs, "/x/j/requirements.txt: included file /x/k/requirements.txt does not exist")
	warned(t, msgs, "/x/i/requirements.txt: includes nested deeper than 8")
}

// TestDeepTOML: inline tables nested 10,000 deep in a poetry.lock and a
// uv.lock fail fast (a TOML library whose time grows with the square of
// the nesting took over a minute on this).
func TestDeepTOML(t *testing.T) {
	deep := "[[package]]\nname = \"x\"\nversion = \"1\"\nextra = " + strings.Repeat("{a = ", 10000) + "1" + strings.Repeat("}", 10000) + "\n"
	for name, parse := range map[string]func([]byte) ([]Locked, error){"poetry.lock": ParsePoetryLock, "uv.lock": ParseUVLock} {
		start := time.Now()
		parse([]byte(deep))
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v", name, d)
		}
	}
}
