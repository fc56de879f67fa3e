package secret_test

import (
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/check/secret"
)

// TestDefinitions: every check is complete, as check/all requires.
func TestDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range secret.Definitions {
		if err := d.Validate(); err != nil || seen[d.ID] {
			t.Errorf("%s: %v (duplicate: %v)", d.ID, err, seen[d.ID])
		}
		seen[d.ID] = true
	}
}

// TestAllow: an allow-list loaded from YAML or JSON suppresses findings by
// path glob, rule or fingerprint, and nothing else.
func TestAllow(t *testing.T) {
	tok, slack := githubToken("p", true), "xo"+"xb-"+randFrom("0123456789", 12)+"-"+randFrom("0123456789", 12)+"-"+randFrom(alnum, 24)
	data := []byte("GH_TOKEN=" + tok + "\nSLACK=" + slack + "\n")
	all := secret.ScanBytes("/app/.env", data, secret.Options{})
	if len(all) != 2 {
		t.Fatalf("got %+v", all)
	}
	fp := all[0].Fingerprint("/app/.env")
	for _, c := range []struct {
		name, list, path string
		want             int
	}{
		{"rule", "rules: [SEC-010]", "/app/.env", 1},
		{"fingerprint", `{"fingerprints": ["` + fp + `"]}`, "/app/.env", 1},
		{"fingerprint of another file", `{"fingerprints": ["` + fp + `"]}`, "/srv/.env", 2},
		{"tree", "paths: [/app/**]", "/app/sub/.env", 0},
		{"any depth", "paths: ['**/.env']", "/srv/x/.env", 0},
		{"other path", "paths: [/usr/share/doc/**]", "/app/.env", 2},
	} {
		a, err := secret.LoadAllow(strings.NewReader(c.list))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := secret.ScanBytes(c.path, data, secret.Options{Allow: a}); len(got) != c.want {
			t.Errorf("%s: %d matches, want %d", c.name, len(got), c.want)
		}
	}
	if _, err := secret.LoadAllow(strings.NewReader("path: [/x]")); err == nil {
		t.Error("misspelt key accepted")
	}
	if _, err := secret.LoadAllow(strings.NewReader("paths: ['[']")); err == nil {
		t.Error("bad glob accepted")
	}
}
