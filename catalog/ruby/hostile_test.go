package ruby

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// measure returns how long fn took and how many bytes it allocated.
func measure(fn func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - before.TotalAlloc
}

func warned(t *testing.T, warnings []inventory.Warning, path, sub string) {
	t.Helper()
	for _, w := range warnings {
		if w.Path == path && strings.Contains(w.Message, sub) {
			return
		}
	}
	t.Errorf("no warning on %s containing %q in %v", path, sub, warnings)
}

// TestHostileFiles: files that are too large, not captured, binary or
// malformed give one warning each and no package.
func TestHostileFiles(t *testing.T) {
	home := "usr/local/bundle/specifications/"
	big := append([]byte("# stub: big 1.0 ruby lib\n"), bytes.Repeat([]byte("  s.files = [\"lib/x.rb\".freeze]\n"), 70_000)...) // 2.3 MB
	bigLock := bytes.Repeat([]byte("    rack (2.2.22)\n"), 120_000)                                                             // 2.2 MB
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file(home+"big-1.0.gemspec", big),
		{Path: home + "uncaptured-1.0.gemspec", Type: layerfs.TypeFile, Mode: 0o644, Size: 1 << 30, Matched: true},
		file(home+"binary-1.0.gemspec", []byte("\x7fELF\x02\x01\x01\x00\x00s.name\x00=\xff\xfe")),
		file(home+"evil-1.0.gemspec", []byte("s.name = \"../../etc/passwd\"\ns.version = \"1.0\"\n")),
		file(home+"space-1.0.gemspec", []byte("s.name = \"space\"\ns.version = \"1.0 || true\"\n")),
		file("app/big/Gemfile.lock", bigLock),
		file("app/junk/Gemfile.lock", []byte("GEM\n  specs:\n    (1.0)\n    a b (1.0)\n    c (-)\n    d\n")),
		file("app/empty/Gemfile.lock", []byte("\x00\x01\x02")),
	}})
	pkgs, warnings := run(t, NewWithLimits(Limits{MaxGemspecSize: 1 << 20, MaxLockSize: 1 << 20}), fsys)
	if len(pkgs) != 0 {
		t.Errorf("packages from hostile files: %+v", pkgs)
	}
	warned(t, warnings, "/"+home+"big-1.0.gemspec", "over the limit of 1048576")
	warned(t, warnings, "/"+home+"uncaptured-1.0.gemspec", "file not read")
	warned(t, warnings, "/"+home+"binary-1.0.gemspec", "without a name or version")
	warned(t, warnings, "/"+home+"evil-1.0.gemspec", "invalid gem name")
	warned(t, warnings, "/"+home+"space-1.0.gemspec", "invalid gem name, version")
	warned(t, warnings, "/app/big/Gemfile.lock", "over the limit")
	warned(t, warnings, "/app/junk/Gemfile.lock", `line 3: spec "(1.0)": no version`)
	warned(t, warnings, "/app/junk/Gemfile.lock", `line 4: spec "a b (1.0)": invalid gem name`)
	warned(t, warnings, "/app/junk/Gemfile.lock", `line 5: spec "c (-)": invalid version`)
	warned(t, warnings, "/app/junk/Gemfile.lock", `line 6: spec "d": no version`)
	warned(t, warnings, "/app/empty/Gemfile.lock", "no gems")
	if len(warnings) != 12 {
		t.Errorf("%d warnings: %v", len(warnings), warnings)
	}
}

// TestHugeGemspecParse feeds ParseGemspec 50 MB inputs directly (the
// cataloger refuses them at 1 MiB): a license array, a string literal
// without end, and lines of assignments. Its time is linear and its
// memory bounded by the literals it keeps.
func TestHugeGemspecParse(t *testing.T) {
	const size = 50 << 20
	licenses := append([]byte("s.name = \"x\"\ns.version = \"1\"\ns.licenses = ["), bytes.Repeat([]byte(`"MIT".freeze, `), size/14)...)
	literal := append([]byte("s.name = \""), bytes.Repeat([]byte("a"), size)...)
	assignments := bytes.Repeat([]byte("s.version = \"1.0\"\n"), size/18)
	for name, tc := range map[string]struct {
		data     []byte
		licenses int
		problem  string
	}{
		"license array": {licenses, maxLicenses, "more than 64 strings"},
		"long literal":  {literal, 0, "string longer than 1024 bytes"},
		"assignments":   {assignments, 0, ""},
	} {
		var spec Gemspec
		var problems []string
		d, alloc := measure(func() { spec, problems = ParseGemspec(tc.data) })
		t.Logf("%s (%d MiB): %v, %d KiB allocated", name, len(tc.data)>>20, d, alloc>>10)
		if d > 5*time.Second || alloc > 1<<20 {
			t.Errorf("%s: %v and %d bytes", name, d, alloc)
		}
		if len(spec.Licenses) != tc.licenses || (tc.problem != "" && (len(problems) != 1 || !strings.Contains(problems[0], tc.problem))) {
			t.Errorf("%s: %d licenses, problems %q", name, len(spec.Licenses), problems)
		}
	}
}

// TestHugeGemfileLock: 50 MB of malformed spec lines give 20 problems, in
// linear time and with one copy of the input allocated; a million real
// ones give a million gems.
func TestHugeGemfileLock(t *testing.T) {
	junk := append([]byte("GEM\n  specs:\n"), bytes.Repeat([]byte("    not a spec line (x)\n"), 50<<20/24)...)
	var locked []Locked
	var problems []string
	d, alloc := measure(func() { locked, problems = ParseGemfileLock(junk) })
	t.Logf("junk (%d MiB): %v, %d KiB allocated", len(junk)>>20, d, alloc>>10)
	if len(locked) != 0 || len(problems) != maxProblems || d > 5*time.Second || alloc > uint64(len(junk))+1<<20 {
		t.Errorf("%d gems, %d problems, %v, %d bytes", len(locked), len(problems), d, alloc)
	}
	var many bytes.Buffer
	many.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range 1_000_000 {
		many.WriteString("    g")
		many.WriteString(strings.Repeat("x", i%7))
		many.WriteString(" (1.0.0)\n      dep (>= 1)\n")
	}
	d, alloc = measure(func() { locked, problems = ParseGemfileLock(many.Bytes()) })
	t.Logf("1,000,000 gems (%d MiB): %v, %d MiB allocated", many.Len()>>20, d, alloc>>20)
	if len(locked) != 1_000_000 || len(problems) != 0 || d > 10*time.Second {
		t.Errorf("%d gems, problems %v, %v", len(locked), problems, d)
	}
}
