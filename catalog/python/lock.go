package python

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Locked is one package of a lock file.
type Locked struct {
	Name    string
	Version string
	Dev     bool
}

// DefaultMaxLockSize bounds the lock files read; the largest real ones are
// a few megabytes.
const DefaultMaxLockSize = 64 << 20

// ParsePoetryLock reads a poetry.lock. A package is a development one when
// the lock says so: category = "dev" (lock files before version 2.0) or
// groups that do not include "main" (2.1). Lock files of version 2.0 do
// not record it, and their packages are reported as not Dev.
func ParsePoetryLock(data []byte) ([]Locked, error) {
	var lock struct {
		Package []struct {
			Name     string   `toml:"name"`
			Version  string   `toml:"version"`
			Category string   `toml:"category"`
			Groups   []string `toml:"groups"`
		} `toml:"package"`
	}
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("failed to parse poetry.lock: %w", err)
	}
	var out []Locked
	for _, p := range lock.Package {
		if p.Name == "" || p.Version == "" {
			continue
		}
		dev := p.Category == "dev" || (len(p.Groups) > 0 && !slices.Contains(p.Groups, "main"))
		out = append(out, Locked{Name: p.Name, Version: p.Version, Dev: dev})
	}
	return out, nil
}

// ParsePipfileLock reads a Pipfile.lock: the "default" packages, and the
// "develop" ones as Dev (unless they are in "default" too). Entries
// without a pinned version (VCS, paths) are skipped.
func ParsePipfileLock(data []byte) ([]Locked, error) {
	type entry struct {
		Version string `json:"version"`
	}
	var lock struct {
		Default map[string]entry `json:"default"`
		Develop map[string]entry `json:"develop"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("failed to parse Pipfile.lock: %w", err)
	}
	var out []Locked
	add := func(section map[string]entry, dev bool) {
		names := make([]string, 0, len(section))
		for n := range section {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			v, ok := strings.CutPrefix(section[n].Version, "==")
			v = strings.TrimPrefix(v, "=") // ===
			if !ok || v == "" || n == "" {
				continue
			}
			if dev {
				if e, inDefault := lock.Default[n]; inDefault && e.Version == section[n].Version {
					continue
				}
			}
			out = append(out, Locked{Name: n, Version: v, Dev: dev})
		}
	}
	add(lock.Default, false)
	add(lock.Develop, true)
	return out, nil
}

// ParseUVLock reads a uv.lock. The project itself and workspace members
// (source virtual or editable) are not reported. A package is Dev when it
// is reachable from a member's dev-dependencies but not from its
// dependencies or optional-dependencies.
func ParseUVLock(data []byte) ([]Locked, error) {
	type dep struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
	}
	type pkg struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		Source  struct {
			Virtual  string `toml:"virtual"`
			Editable string `toml:"editable"`
		} `toml:"source"`
		Dependencies         []dep            `toml:"dependencies"`
		OptionalDependencies map[string][]dep `toml:"optional-dependencies"`
		DevDependencies      map[string][]dep `toml:"dev-dependencies"`
	}
	var lock struct {
		Package []pkg `toml:"package"`
	}
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("failed to parse uv.lock: %w", err)
	}
	byName := map[string][]int{}
	for i, p := range lock.Package {
		n := Normalize(p.Name)
		byName[n] = append(byName[n], i)
	}
	resolve := func(d dep) []int {
		idx := byName[Normalize(d.Name)]
		if d.Version == "" {
			return idx
		}
		for _, i := range idx {
			if lock.Package[i].Version == d.Version {
				return []int{i}
			}
		}
		return nil
	}
	// Reachability from the members, first through runtime edges, then
	// through dev ones; what the first walk reached is not Dev.
	reached := make([]int, len(lock.Package)) // 0 no, 1 runtime, 2 dev
	walk := func(i, mark int) {
		stack := []int{i}
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if reached[j] != 0 {
				continue
			}
			reached[j] = mark
			p := lock.Package[j]
			deps := slices.Clone(p.Dependencies)
			for _, k := range sortedKeys(p.OptionalDependencies) {
				deps = append(deps, p.OptionalDependencies[k]...)
			}
			for _, d := range deps {
				stack = append(stack, resolve(d)...)
			}
		}
	}
	member := func(p pkg) bool { return p.Source.Virtual != "" || p.Source.Editable != "" }
	for i, p := range lock.Package {
		if member(p) {
			walk(i, 1)
		}
	}
	for _, p := range lock.Package {
		if !member(p) {
			continue
		}
		for _, k := range sortedKeys(p.DevDependencies) {
			for _, d := range p.DevDependencies[k] {
				for _, j := range resolve(d) {
					walk(j, 2)
				}
			}
		}
	}
	var out []Locked
	for i, p := range lock.Package {
		if member(p) || p.Name == "" || p.Version == "" {
			continue
		}
		out = append(out, Locked{Name: p.Name, Version: p.Version, Dev: reached[i] == 2})
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
