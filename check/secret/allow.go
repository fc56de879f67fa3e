package secret

import (
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Allow suppresses findings. A finding is allowed when its file matches one
// of Paths, its check is one of Rules, or its fingerprint is one of
// Fingerprints.
//
// The CLI loads it from a file (LoadAllow), YAML or JSON:
//
//	# .vigil-secrets.yaml
//	paths:                 # rooted globs, path.Match syntax per component;
//	  - /usr/share/doc/**  #   "/**" at the end matches a whole tree,
//	  - "**/testdata/*"    #   "**/" at the start any depth
//	rules: [SEC-013]       # check IDs
//	fingerprints:          # Finding.Fingerprint of findings reviewed
//	  - 3f1c...e9
type Allow struct {
	Paths        []string `json:"paths,omitempty" yaml:"paths,omitempty"`
	Rules        []string `json:"rules,omitempty" yaml:"rules,omitempty"`
	Fingerprints []string `json:"fingerprints,omitempty" yaml:"fingerprints,omitempty"`
}

// LoadAllow reads an allow-list in YAML or JSON (a JSON document is YAML)
// and checks its globs. Unknown fields are errors, so that a misspelt key
// does not silently allow nothing.
func LoadAllow(r io.Reader) (Allow, error) {
	var a Allow
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil && err != io.EOF {
		return Allow{}, fmt.Errorf("secret allow-list: %w", err)
	}
	for _, p := range a.Paths {
		if _, err := path.Match(strings.TrimSuffix(strings.TrimPrefix(p, "**/"), "/**"), ""); err != nil || p == "" {
			return Allow{}, fmt.Errorf("secret allow-list: bad path glob %q", p)
		}
	}
	return a, nil
}

// Allows reports whether a finding of check id in file (rooted, or as
// given to ScanBytes) with fingerprint fp is allowed.
func (a Allow) Allows(id, file, fp string) bool {
	if slices.Contains(a.Rules, id) || slices.Contains(a.Fingerprints, fp) {
		return true
	}
	return slices.ContainsFunc(a.Paths, func(g string) bool { return globMatch(g, file) })
}

// globMatch matches a rooted path against a glob: path.Match per
// component, "**/" at the start for any depth, "/**" at the end for a
// whole tree.
func globMatch(g, p string) bool {
	if tree, ok := strings.CutSuffix(g, "/**"); ok {
		for d := p; d != "/" && d != "." && d != ""; d = path.Dir(d) {
			if globMatch(tree, d) {
				return true
			}
		}
		return false
	}
	if rest, ok := strings.CutPrefix(g, "**/"); ok {
		n := strings.Count(rest, "/") + 1
		comps := strings.Split(strings.TrimPrefix(p, "/"), "/")
		if len(comps) < n {
			return false
		}
		ok, _ := path.Match(rest, strings.Join(comps[len(comps)-n:], "/"))
		return ok
	}
	ok, _ := path.Match(g, p)
	return ok
}
