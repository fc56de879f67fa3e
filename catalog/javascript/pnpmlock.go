package javascript

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pnpmLock is what is read of a pnpm-lock.yaml of lockfileVersion 5.x,
// 6.x or 9.x.
type pnpmLock struct {
	// LockfileVersion is a number in 5.x (5.4) and a string later ('9.0').
	LockfileVersion string
	// Importers are the projects of a workspace; a lock file of one
	// project (5.x, 6.x) has its importer's fields at the top level, kept
	// here under ".".
	Importers map[string]pnpmImporter
	Packages  map[string]pnpmPackage
	Snapshots map[string]pnpmSnapshot
}

type pnpmImporter struct {
	// Dependencies map names to resolved versions: a string in 5.x,
	// the "version" of {specifier, version} later.
	Dependencies, OptionalDependencies, DevDependencies map[string]string
}

type pnpmPackage struct {
	// Name and Version are set for packages not from the registry
	// (tarballs, git), whose keys are not name and version.
	Name, Version string
	Dev           bool
}

type pnpmSnapshot struct {
	Dependencies, OptionalDependencies map[string]string
}

// yamlReader turns the YAML tree into a pnpmLock, noting what it cannot
// use. It reads the tree itself instead of having yaml decode into
// structs: the decoder checks every mapping for duplicate keys in time
// quadratic in its size (go.yaml.in/yaml/v3 decode.go, d.uniqueKeys), so a
// lock file with one mapping of a million keys would take hours. Aliases
// are followed only to scalars: pnpm writes no anchors, and an alias to a
// collection is how YAML bombs multiply.
type yamlReader struct {
	problems []string
	aliases  int
}

func (y *yamlReader) problem(format string, args ...any) {
	if len(y.problems) < maxProblems {
		y.problems = append(y.problems, fmt.Sprintf(format, args...))
	} else if len(y.problems) == maxProblems {
		y.problems = append(y.problems, "more problems not reported")
	}
}

// deref resolves an alias to a scalar; it returns nil for an alias to
// anything else.
func (y *yamlReader) deref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode {
		return n
	}
	if n.Alias == nil || n.Alias.Kind != yaml.ScalarNode {
		if y.aliases++; y.aliases == 1 {
			y.problem("pnpm-lock.yaml line %d: alias to a collection ignored", n.Line)
		}
		return nil
	}
	return n.Alias
}

// each calls fn for the pairs of a mapping node.
func (y *yamlReader) each(n *yaml.Node, what string, fn func(key string, value *yaml.Node)) {
	n = y.deref(n)
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		if !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
			y.problem("pnpm-lock.yaml line %d: %s is not a mapping", n.Line, what)
		}
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := y.deref(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		fn(k.Value, n.Content[i+1])
	}
}

func (y *yamlReader) scalar(n *yaml.Node) string {
	if n = y.deref(n); n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// deps reads a dependency map: name: version (5.x) or name: {specifier,
// version} (6.x, 9.x).
func (y *yamlReader) deps(n *yaml.Node, what string) map[string]string {
	out := map[string]string{}
	y.each(n, what, func(name string, v *yaml.Node) {
		if v = y.deref(v); v == nil {
			return
		}
		if v.Kind == yaml.MappingNode {
			y.each(v, what, func(k string, vv *yaml.Node) {
				if k == "version" {
					out[name] = y.scalar(vv)
				}
			})
			return
		}
		out[name] = y.scalar(v)
	})
	return out
}

func (y *yamlReader) importer(n *yaml.Node) pnpmImporter {
	var imp pnpmImporter
	y.each(n, "importer", func(k string, v *yaml.Node) {
		switch k {
		case "dependencies":
			imp.Dependencies = y.deps(v, k)
		case "optionalDependencies":
			imp.OptionalDependencies = y.deps(v, k)
		case "devDependencies":
			imp.DevDependencies = y.deps(v, k)
		}
	})
	return imp
}

func (y *yamlReader) lock(doc *yaml.Node) *pnpmLock {
	lock := &pnpmLock{Importers: map[string]pnpmImporter{}, Packages: map[string]pnpmPackage{}, Snapshots: map[string]pnpmSnapshot{}}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	lock.Importers["."] = y.importer(doc)
	y.each(doc, "lock file", func(k string, v *yaml.Node) {
		switch k {
		case "lockfileVersion":
			lock.LockfileVersion = y.scalar(v)
		case "importers":
			y.each(v, k, func(path string, imp *yaml.Node) { lock.Importers[path] = y.importer(imp) })
		case "packages":
			y.each(v, k, func(key string, pv *yaml.Node) {
				var p pnpmPackage
				y.each(pv, "package "+shorten(key), func(f string, fv *yaml.Node) {
					switch f {
					case "name":
						p.Name = y.scalar(fv)
					case "version":
						p.Version = y.scalar(fv)
					case "dev":
						p.Dev = y.scalar(fv) == "true"
					}
				})
				lock.Packages[key] = p
			})
		case "snapshots":
			y.each(v, k, func(key string, sv *yaml.Node) {
				var s pnpmSnapshot
				y.each(sv, "snapshot "+shorten(key), func(f string, fv *yaml.Node) {
					switch f {
					case "dependencies":
						s.Dependencies = y.deps(fv, f)
					case "optionalDependencies":
						s.OptionalDependencies = y.deps(fv, f)
					}
				})
				lock.Snapshots[key] = s
			})
		}
	})
	return lock
}

// estimateYAMLNodes over-estimates the nodes of a YAML document from the
// bytes that can start or separate one, so that a document too large to
// parse is refused before the parser builds its tree.
func estimateYAMLNodes(data []byte) int {
	n := 1
	for _, c := range data {
		switch c {
		case '\n', ',', ':', '-', '[', '{', '?', '*', '&', '!', '|', '>':
			n++
		}
	}
	return n
}

// parsePnpmLock reads a pnpm-lock.yaml. Dev dependencies are those marked
// "dev: true" (5.x, 6.x), or in 9.x, which has no such mark, the packages
// reachable from importers' devDependencies only.
//
// The YAML tree is bounded before parsing by maxNodes; the parser refuses
// nesting deeper than 10,000 levels; aliases are not expanded (yamlReader).
func parsePnpmLock(data []byte, maxNodes int) ([]record, []string, error) {
	if n := estimateYAMLNodes(data); n > maxNodes {
		return nil, nil, fmt.Errorf("pnpm-lock.yaml skipped: about %d YAML nodes, over the limit of %d", n, maxNodes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("malformed pnpm-lock.yaml: %v", err)
	}
	if doc.Kind == 0 {
		return nil, nil, nil // empty
	}
	y := &yamlReader{}
	lock := y.lock(&doc)
	problems := y.problems
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimSpace(lock.LockfileVersion), ".", 2)[0])
	var devOnly map[string]bool
	if major >= 9 {
		devOnly = pnpmDevOnly(lock)
	}
	var recs []record
	bad := 0
	for key, p := range lock.Packages {
		name, version, ok := pnpmPackageKey(key, major)
		if p.Name != "" && p.Version != "" {
			name, version, ok = p.Name, p.Version, true
		}
		r := record{Name: name, Version: version, Dev: p.Dev || devOnly[name+"@"+version]}
		if !ok || !validName(r.Name) || !validVersion(r.Version) {
			if bad++; bad <= maxProblems {
				problems = append(problems, fmt.Sprintf("pnpm-lock.yaml: package %q has no valid name and version", shorten(key)))
			}
			continue
		}
		recs = append(recs, r)
	}
	return recs, problems, nil
}

// pnpmPackageKey splits a key of "packages": "/name/1.2.3_peer@1.0.0" in
// 5.x, "/name@1.2.3(peer@1.0.0)" in 6.x, "name@1.2.3" in 9.x (scoped names
// start with "@scope/").
func pnpmPackageKey(key string, major int) (name, version string, ok bool) {
	k := strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(k, '('); i > 0 {
		k = k[:i]
	}
	if major == 5 || (major < 6 && !strings.Contains(strings.TrimPrefix(k, "@"), "@")) {
		i := strings.LastIndexByte(k, '/')
		if i <= 0 {
			return "", "", false
		}
		name, version = k[:i], k[i+1:]
		version, _, _ = strings.Cut(version, "_") // the peers of 5.x
		return name, version, version != ""
	}
	name, version, ok = cutName(k)
	return name, version, ok && version != ""
}

// pnpmSnapshotKey returns the snapshots key that the dependency name,
// resolved to ref, points to: "name@ref", or ref itself when it names
// another package (an alias, "other@1.0.0"). Links point to no snapshot.
func pnpmSnapshotKey(name, ref string) string {
	if ref == "" || strings.HasPrefix(ref, "link:") {
		return ""
	}
	base, _, _ := strings.Cut(ref, "(")
	if _, _, ok := cutName(base); ok {
		return ref
	}
	return name + "@" + ref
}

// pnpmDevOnly walks the 9.x dependency graph, without recursion, from the
// importers' dependencies and then from their devDependencies. It returns
// the name@version of packages that only the latter reach.
func pnpmDevOnly(lock *pnpmLock) map[string]bool {
	importers := make([]pnpmImporter, 0, len(lock.Importers))
	for _, imp := range lock.Importers {
		importers = append(importers, imp)
	}
	walk := func(seen map[string]bool, roots func(pnpmImporter) []map[string]string) {
		var queue []string
		for _, imp := range importers {
			for _, deps := range roots(imp) {
				for name, ref := range deps {
					if k := pnpmSnapshotKey(name, ref); k != "" && !seen[k] {
						seen[k] = true
						queue = append(queue, k)
					}
				}
			}
		}
		for len(queue) > 0 {
			k := queue[0]
			queue = queue[1:]
			s := lock.Snapshots[k]
			for _, deps := range []map[string]string{s.Dependencies, s.OptionalDependencies} {
				for name, ref := range deps {
					if d := pnpmSnapshotKey(name, ref); d != "" && !seen[d] {
						seen[d] = true
						queue = append(queue, d)
					}
				}
			}
		}
	}
	prod, dev := map[string]bool{}, map[string]bool{}
	walk(prod, func(imp pnpmImporter) []map[string]string {
		return []map[string]string{imp.Dependencies, imp.OptionalDependencies}
	})
	walk(dev, func(imp pnpmImporter) []map[string]string {
		return []map[string]string{imp.DevDependencies}
	})
	base := func(k string) string {
		b, _, _ := strings.Cut(k, "(")
		return b
	}
	inProd := map[string]bool{}
	for k := range prod {
		inProd[base(k)] = true
	}
	out := map[string]bool{}
	for k := range dev {
		if b := base(k); !inProd[b] {
			out[b] = true
		}
	}
	return out
}
