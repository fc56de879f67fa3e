package dotnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Library is one package that a deps.json or packages.lock.json lists.
type Library struct {
	// Name and Version are spelled as the file spells them.
	Name    string
	Version string
	// Project marks the application's own projects (deps.json type
	// "project", packages.lock.json type "Project"): local code, not a
	// NuGet package.
	Project bool
	// NoAssets marks a deps.json package that brings no runtime, native,
	// resource or compile asset (for any runtime identifier), itself or through its dependencies: an
	// analyzer, a build tool, or a package whose assets the framework
	// provides. It ships no code with the application.
	NoAssets bool
}

// Key is how two spellings of a package are told apart: NuGet package IDs
// are case-insensitive ("Newtonsoft.Json" and "newtonsoft.json" are one
// package), and so are the letters of versions ("1.0.0-RC1").
func Key(name, version string) string {
	return strings.ToLower(name) + "/" + strings.ToLower(version)
}

// depsJSON is a .NET runtime dependency manifest (<app>.deps.json), as
// Microsoft.Extensions.DependencyModel reads it: "targets" maps each
// target (".NETCoreApp,Version=v8.0", or with a runtime identifier
// ".NETCoreApp,Version=v8.0/linux-x64") to the assets of each library,
// keyed "Name/Version"; "libraries" gives each library's type.
type depsJSON struct {
	Targets   map[string]map[string]*depsTarget `json:"targets"`
	Libraries map[string]depsLibrary            `json:"libraries"`
}

type depsTarget struct {
	Dependencies map[string]string `json:"dependencies"`
	// Assets, keyed by path; runtimeTargets holds those of specific
	// runtime identifiers ("runtimes/win-x64/native/x.dll").
	Runtime        map[string]json.RawMessage `json:"runtime"`
	RuntimeTargets map[string]json.RawMessage `json:"runtimeTargets"`
	Native         map[string]json.RawMessage `json:"native"`
	Resources      map[string]json.RawMessage `json:"resources"`
	Compile        map[string]json.RawMessage `json:"compile"`
}

func (t *depsTarget) hasAssets() bool {
	return t != nil && len(t.Runtime)+len(t.RuntimeTargets)+len(t.Native)+len(t.Resources)+len(t.Compile) > 0
}

type depsLibrary struct {
	Type string `json:"type"`
}

// runtimePackPrefix starts the library key of the runtime a self-contained
// application carries: "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0"
// is the NuGet package Microsoft.NETCore.App.Runtime.linux-x64 8.0.0.
const runtimePackPrefix = "runtimepack."

// ParseDepsJSON returns the libraries of a deps.json of type "package",
// "runtimepack" or "project", sorted by key, and problems met on the way.
// Reference assemblies (type "referenceassembly", the .NET Framework's own)
// are left out.
func ParseDepsJSON(data []byte) ([]Library, []string, error) {
	var d depsJSON
	problems, err := unmarshal(data, &d, "deps.json")
	if err != nil {
		return nil, nil, err
	}
	// The libraries with assets in any target, and for each library the
	// libraries that depend on it.
	var withAssets []string
	dependents := map[string][]string{}
	for _, target := range sortedKeys(d.Targets) {
		for _, id := range sortedKeys(d.Targets[target]) {
			t := d.Targets[target][id]
			if t.hasAssets() {
				withAssets = append(withAssets, strings.ToLower(id))
			}
			if t == nil {
				continue
			}
			for n, v := range t.Dependencies {
				dep := strings.ToLower(n + "/" + v)
				dependents[dep] = append(dependents[dep], strings.ToLower(id))
			}
		}
	}
	shipped := reachAssets(withAssets, dependents)
	var libs []Library
	skipped := 0
	for _, id := range sortedKeys(d.Libraries) {
		typ := d.Libraries[id].Type
		name, version, ok := strings.Cut(id, "/")
		if typ == "runtimepack" {
			name = strings.TrimPrefix(name, runtimePackPrefix)
		}
		switch {
		case typ != "package" && typ != "project" && typ != "runtimepack":
			continue
		case !ok || !validField(name) || !validField(version):
			skipped++
			continue
		}
		libs = append(libs, Library{
			Name: name, Version: version, Project: typ == "project",
			NoAssets: typ == "package" && !shipped[strings.ToLower(id)],
		})
	}
	if skipped > 0 {
		problems = append(problems, fmt.Sprintf("%d libraries without a name or version skipped", skipped))
	}
	return dedup(libs), problems, nil
}

// reachAssets returns the libraries that have assets or depend, directly
// or not, on one that has: a walk from the libraries with assets up to
// their dependents that visits each library once, so that cycles and long
// chains in a hostile file cost linear time.
func reachAssets(withAssets []string, dependents map[string][]string) map[string]bool {
	reached := map[string]bool{}
	stack := slices.Clone(withAssets)
	for _, id := range stack {
		reached[id] = true
	}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range dependents[cur] {
			if !reached[d] {
				reached[d] = true
				stack = append(stack, d)
			}
		}
	}
	return reached
}

// packagesLock is a NuGet lock file (packages.lock.json, versions 1 and 2):
// "dependencies" maps each target framework ("net8.0", or with a runtime
// identifier "net8.0/linux-x64") to the packages it resolved.
type packagesLock struct {
	Dependencies map[string]map[string]lockDependency `json:"dependencies"`
}

type lockDependency struct {
	// Type is "Direct", "Transitive", "CentralTransitive" or "Project".
	Type     string `json:"type"`
	Resolved string `json:"resolved"`
}

// ParsePackagesLock returns the packages of a packages.lock.json over all
// its target frameworks, once each, sorted by key, and problems met on the
// way. Project references, which have no version, are returned with an
// empty one.
func ParsePackagesLock(data []byte) ([]Library, []string, error) {
	var l packagesLock
	problems, err := unmarshal(data, &l, "packages.lock.json")
	if err != nil {
		return nil, nil, err
	}
	var libs []Library
	skipped := 0
	for _, framework := range sortedKeys(l.Dependencies) {
		for _, name := range sortedKeys(l.Dependencies[framework]) {
			d := l.Dependencies[framework][name]
			lib := Library{Name: name, Version: d.Resolved, Project: strings.EqualFold(d.Type, "Project")}
			if !validField(name) || (!lib.Project && !validField(d.Resolved)) || (lib.Project && d.Resolved != "" && !validField(d.Resolved)) {
				skipped++
				continue
			}
			libs = append(libs, lib)
		}
	}
	if skipped > 0 {
		problems = append(problems, fmt.Sprintf("%d packages without a name or resolved version skipped", skipped))
	}
	return dedup(libs), problems, nil
}

// unmarshal decodes data into v; a value of the wrong type is a problem,
// the rest of the file is still read. encoding/json refuses documents
// nested more than 10,000 levels deep.
func unmarshal(data []byte, v any, what string) ([]string, error) {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil, nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return []string{fmt.Sprintf("%s: %s", what, shorten(err.Error()))}, nil
	}
	return nil, fmt.Errorf("malformed %s: %s", what, shorten(err.Error()))
}

// dedup sorts libs by key and keeps the first of each key: the spelling
// of the first target that lists it. A library is a project or without
// assets only if every spelling says so.
func dedup(libs []Library) []Library {
	slices.SortStableFunc(libs, func(a, b Library) int { return strings.Compare(Key(a.Name, a.Version), Key(b.Name, b.Version)) })
	var out []Library
	for _, l := range libs {
		if n := len(out); n > 0 && Key(out[n-1].Name, out[n-1].Version) == Key(l.Name, l.Version) {
			out[n-1].Project = out[n-1].Project && l.Project
			out[n-1].NoAssets = out[n-1].NoAssets && l.NoAssets
			continue
		}
		out = append(out, l)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// validField reports whether s can be a package ID or version: NuGet
// limits IDs to 100 characters of letters, digits, ".", "-" and "_";
// this is looser, and rejects only what no ID or version has.
func validField(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '/' {
			return false
		}
	}
	return true
}

// shorten cuts a message quoted from hostile input.
func shorten(s string) string {
	if len(s) <= 200 {
		return s
	}
	return s[:200] + "..."
}
