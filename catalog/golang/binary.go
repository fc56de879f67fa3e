package golang

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
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

// errPanic wraps a panic of debug/buildinfo; the fuzz target fails on it.
var errPanic = errors.New("panic reading Go build information")

// ReadBuildInfo reads the build information of the Go binary in r, of size
// bytes; it never reads past size. Files that are not Go executables give
// ErrNotGo. It does not panic, whatever the input.
func ReadBuildInfo(r io.ReaderAt, size int64) (bi *debug.BuildInfo, err error) {
	defer func() {
		if p := recover(); p != nil {
			bi, err = nil, fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	bi, err = buildinfo.Read(io.NewSectionReader(r, 0, size))
	if err != nil {
		// debug/buildinfo's errors for these cases are not exported.
		switch msg := err.Error(); {
		case msg == "not a Go executable", msg == "unrecognized file format":
			return nil, ErrNotGo
		}
		return nil, err
	}
	return bi, nil
}

// executableMagic reports whether data starts like an executable format
// that debug/buildinfo reads: ELF, PE or Mach-O (thin or fat).
func executableMagic(data []byte) bool {
	if len(data) < 16 {
		return false
	}
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")), bytes.HasPrefix(data, []byte("MZ")):
		return true
	case bytes.HasPrefix(data, []byte("\xfe\xed\xfa")) || bytes.HasPrefix(data[1:], []byte("\xfa\xed\xfe")):
		return true
	case bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")) || bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbf")):
		return true
	}
	return false
}

// BinaryModules returns the modules compiled into the Go binary data: the
// main module first (when the binary was built in module mode), then the
// dependencies in build information order, then stdlib.
func BinaryModules(data []byte) ([]Module, error) {
	bi, err := ReadBuildInfo(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
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
