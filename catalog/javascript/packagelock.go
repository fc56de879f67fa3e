package javascript

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// packageLock is a package-lock.json (or npm-shrinkwrap.json) of any
// version: 1 has nested "dependencies", 3 has "packages", and 2 has both.
type packageLock struct {
	LockfileVersion int                    `json:"lockfileVersion"`
	Packages        map[string]lockPackage `json:"packages"`
	Dependencies    map[string]*lockDepV1  `json:"dependencies"`
}

type lockPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Dev     bool   `json:"dev"`
	Link    bool   `json:"link"`
}

type lockDepV1 struct {
	Version      string                `json:"version"`
	Dev          bool                  `json:"dev"`
	Dependencies map[string]*lockDepV1 `json:"dependencies"`
}

// parsePackageLock reads a package-lock.json. It prefers "packages" (the
// lock file of npm 7 and later) to the "dependencies" tree that version 2
// keeps for older npm, and walks that tree without recursion, down to
// maxDepth levels. encoding/json itself refuses documents nested more than
// 10,000 levels deep.
func parsePackageLock(data []byte, maxDepth int) ([]record, []string, error) {
	var lock packageLock
	var problems []string
	if err := json.Unmarshal(data, &lock); err != nil {
		// A value of the wrong type is skipped and the rest decoded.
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return nil, nil, fmt.Errorf("malformed package-lock.json: %v", err)
		}
		problems = append(problems, fmt.Sprintf("package-lock.json: %v", err))
	}
	var recs []record
	if len(lock.Packages) > 0 {
		for key, p := range lock.Packages {
			i := strings.LastIndex(key, "node_modules/")
			if i < 0 || p.Link {
				continue // the root project, a workspace, or a link to one
			}
			name := key[i+len("node_modules/"):]
			if p.Name != "" {
				name = p.Name // an alias: "node_modules/alias" holds "name"
			}
			r := record{Name: name, Version: p.Version, Dev: p.Dev}
			if !validName(r.Name) || !validVersion(r.Version) {
				continue
			}
			recs = append(recs, r)
		}
		return recs, problems, nil
	}
	type frame struct {
		deps  map[string]*lockDepV1
		depth int
	}
	stack := []frame{{lock.Dependencies, 1}}
	tooDeep := false
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for name, d := range f.deps {
			if d == nil {
				continue
			}
			r := record{Name: name, Version: d.Version, Dev: d.Dev}
			if real, ok := strings.CutPrefix(d.Version, "npm:"); ok {
				// An alias: "alias": {"version": "npm:name@1.2.3"}.
				if n, v, ok := splitNameVersion(real); ok {
					r.Name, r.Version = n, v
				}
			}
			if validName(r.Name) && validVersion(r.Version) {
				recs = append(recs, r)
			}
			if len(d.Dependencies) == 0 {
				continue
			}
			if f.depth >= maxDepth {
				tooDeep = true
				continue
			}
			stack = append(stack, frame{d.Dependencies, f.depth + 1})
		}
	}
	if tooDeep {
		problems = append(problems, fmt.Sprintf("dependencies nested deeper than %d levels were skipped", maxDepth))
	}
	return recs, problems, nil
}
