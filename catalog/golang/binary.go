package golang

import (
	"errors"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/vigil-dev/vigil/catalog/executable"
)

// Module is one Go module found in a binary or a go.mod file.
type Module struct {
	// Path and Version are the module compiled in: the replacement when a
	// replace directive applies. Version is "" when unknown.
	Path    string
	Version string
	// SourcePath and SourceVersion are the module as it was required when
	// it was replaced; for stdlib, "go" and the toolchain version as
	// recorded ("go1.22.3 X:boringcrypto").
	SourcePath    string
	SourceVersion string
	// Main marks the main module (of a binary or a go.mod).
	Main bool
	// Indirect marks a go.mod requirement commented "// indirect".
	Indirect bool
}

func (m Module) key() string {
	return m.Path + "@" + m.Version + "\x00" + m.SourcePath + "@" + m.SourceVersion
}

// StdlibName is the name vulnerability databases give the Go standard
// library (and toolchain).
const StdlibName = "stdlib"

// ErrNotGo is returned for files that are not Go binaries, or not
// executables at all.
var ErrNotGo = errors.New("not a Go binary")

// BinaryModules returns the modules compiled into the Go binary data (a
// whole executable, or what the executable filter kept of it): the
// main module first (when the binary was built in module mode), then the
// dependencies in build information order, then stdlib.
func BinaryModules(data []byte) ([]Module, error) {
	return reducedModules(data)
}

// reducedModules returns the modules recorded in data, an executable as
// the executable filter keeps it; ErrNotGo when it is not a Go binary.
func reducedModules(data []byte) ([]Module, error) {
	info, err := executable.Decode(data)
	if errors.Is(err, executable.ErrNotReduced) {
		// A whole executable: the file system was read without the filter.
		info, err = executable.Read(data), nil
	}
	if err != nil {
		return nil, err
	}
	if info.GoError != "" {
		return nil, errors.New(info.GoError)
	}
	if info.GoBuildInfo == "" {
		return nil, ErrNotGo
	}
	// debug.ParseBuildInfo reads what BuildInfo.String writes except its
	// first line, the Go version.
	goLine, rest, _ := strings.Cut(info.GoBuildInfo, "\n")
	goVersion, ok := strings.CutPrefix(goLine, "go\t")
	if !ok {
		rest = info.GoBuildInfo
	}
	bi, err := debug.ParseBuildInfo(rest)
	if err != nil {
		return nil, err
	}
	bi.GoVersion = goVersion
	return buildInfoModules(bi), nil
}

func buildInfoModules(bi *debug.BuildInfo) []Module {
	var mods []Module
	if bi.Main.Path != "" {
		mods = append(mods, Module{Path: bi.Main.Path, Version: moduleVersion(bi.Main.Version), Main: true})
	}
	for _, d := range bi.Deps {
		if d == nil || d.Path == "" {
			continue
		}
		mods = append(mods, replaced(d.Path, d.Version, d.Replace))
	}
	if bi.GoVersion != "" {
		mods = append(mods, Module{Path: StdlibName, Version: GoVersion(bi.GoVersion), SourcePath: "go", SourceVersion: bi.GoVersion})
	}
	return mods
}

// replaced returns the module compiled in for a requirement of path at
// version, replaced by r when r is not nil.
func replaced(path, version string, r *debug.Module) Module {
	if r == nil {
		return Module{Path: path, Version: moduleVersion(version)}
	}
	m := Module{Path: r.Path, Version: moduleVersion(r.Version), SourcePath: path, SourceVersion: version}
	if moduleVersion(r.Version) == "" && modfile.IsDirectoryPath(r.Path) {
		// A local directory: the code has the original's import paths but
		// no version anyone can look up.
		m.Path = path
	}
	return m
}

// moduleVersion returns a module version as recorded, "" for "(devel)".
func moduleVersion(v string) string {
	if v == "(devel)" {
		return ""
	}
	return v
}

// GoVersion converts a Go toolchain version as runtime.Version reports it
// into a semantic version, as the Go vulnerability database writes them:
// "go1.22.3" is "v1.22.3", "go1.21" "v1.21.0", "go1.21rc2" "v1.21.0-rc.2".
// Anything after the version proper (" X:boringcrypto", "-bigcorp") is
// dropped. It returns "" for versions it cannot read, such as development
// builds ("devel go1.23-abcdef").
func GoVersion(v string) string {
	rest, ok := strings.CutPrefix(v, "go")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, " -+"); i >= 0 {
		rest = rest[:i]
	}
	pre := ""
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(rest, tag); i > 0 {
			n := rest[i+len(tag):]
			if !allDigits(n) {
				return ""
			}
			pre = "-" + tag + "." + n
			rest = rest[:i]
			break
		}
	}
	parts := strings.Split(rest, ".")
	if len(parts) > 3 {
		return ""
	}
	for _, p := range parts {
		if !allDigits(p) || (len(p) > 1 && p[0] == '0') {
			return ""
		}
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	sv := "v" + strings.Join(parts, ".") + pre
	if !semver.IsValid(sv) {
		return ""
	}
	return sv
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
