// Package testenv gives tests the real components that scripts/env.sh sets
// up (Docker Engine, registry, a Debian bookworm image in every form).
package testenv

import (
	"os"
	"testing"
)

// Get returns the environment variable name, set by scripts/env.sh. When it
// is missing the test fails if VIGIL_REQUIRE_ENV=1 (as in scripts/test.sh,
// the project's test command, so CI can never skip these tests), and is
// skipped otherwise, with the command that sets it up: a developer running
// `go test ./...` by hand gets the unit tests without Docker.
func Get(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := name + " is not set: run scripts/test.sh, or eval \"$(scripts/env.sh)\" first"
	if os.Getenv("VIGIL_REQUIRE_ENV") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
