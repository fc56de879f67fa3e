// Package version reports vigil's version.
package version

import "runtime/debug"

// Version is set at build time with
// -ldflags "-X github.com/vigil-dev/vigil/internal/version.Version=v1.2.3";
// otherwise it comes from the module build information.
var Version = ""

// String returns the version, "(devel)" for a source build.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
