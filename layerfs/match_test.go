package layerfs

import (
	"strings"
	"testing"
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
