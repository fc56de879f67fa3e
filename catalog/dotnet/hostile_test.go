package dotnet

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bounded runs fn and fails if it takes more than d or allocates more
// than maxAlloc bytes in all.
func bounded(t *testing.T, d time.Duration, maxAlloc uint64, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%v, %d MiB allocated", took.Round(time.Millisecond), alloc>>20)
	if took > d || alloc > maxAlloc {
		t.Errorf("took %v and allocated %d bytes; want at most %v and %d", took, alloc, d, maxAlloc)
	}
}

// bigDepsJSON returns a deps.json of at least size bytes: n packages, each
// depending on the next, the last on the first (a cycle through all).
func bigDepsJSON(size int) string {
	var targets, libs strings.Builder
	n := 0
	for targets.Len()+libs.Len() < size {
		n++
		if n > 1 {
			targets.WriteString(",")
			libs.WriteString(",")
		}
		fmt.Fprintf(&targets, `"P%d/1.0.%d":{"dependencies":{"P%d":"1.0.%d"}}`, n, n, n+1, n+1)
		fmt.Fprintf(&libs, `"P%d/1.0.%d":{"type":"package","serviceable":true,"sha512":"sha512-x","path":"p%d/1.0.%d"}`, n, n, n, n)
	}
	targets.WriteString(fmt.Sprintf(`,"P%d/1.0.%d":{"dependencies":{"P1":"1.0.1"}}`, n+1, n+1))
	return `{"targets":{"t":{` + targets.String() + `}},"libraries":{` + libs.String() + `}}`
}

func TestHostile(t *testing.T) {
	t.Run("50 MB deps.json", func(t *testing.T) {
		big := file("app/Big.deps.json", []byte(bigDepsJSON(50<<20)))
		bounded(t, time.Second, 1<<20, func() {
			_, warnings := run(t, New(), big)
			if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "over the 33554432 byte limit") {
				t.Errorf("warnings %v", warnings)
			}
		})
	})
	t.Run("30 MB deps.json, one dependency cycle", func(t *testing.T) {
		big := file("app/Big.deps.json", []byte(bigDepsJSON(30<<20)))
		bounded(t, 20*time.Second, 1<<30, func() {
			pkgs, warnings := run(t, New(), big)
			if len(warnings) != 0 || len(pkgs) < 100_000 {
				t.Errorf("%d packages, warnings %v", len(pkgs), warnings)
			}
			for _, p := range pkgs[:10] {
				if !p.Dev {
					t.Errorf("%s has no asset anywhere in its cycle: %+v", p.Name, p)
				}
			}
		})
	})
	deep := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	for name, tc := range map[string]struct{ path, in, warning string }{
		"deep deps.json":        {"app/X.deps.json", `{"targets":` + deep + `}`, "malformed deps.json"},
		"deep lock":             {"src/packages.lock.json", `{"dependencies":{"net8.0":` + deep + `}}`, "malformed packages.lock.json"},
		"not json":              {"app/X.deps.json", `{"targets":`, "malformed deps.json"},
		"wrong type":            {"app/X.deps.json", `{"libraries":{"A/1":{"type":"package"}},"targets":[1]}`, "deps.json: json: cannot unmarshal array"},
		"lock without versions": {"src/packages.lock.json", `{"dependencies":{"net8.0":{"A":{"type":"Direct"},"B C":{"type":"Direct","resolved":"1"}}}}`, "2 packages without a name or resolved version skipped"},
		"bad library keys":      {"app/X.deps.json", `{"libraries":{"NoVersion":{"type":"package"},"A/":{"type":"package"},"A B/1":{"type":"project"}}}`, "3 libraries without a name or version skipped"},
	} {
		t.Run(name, func(t *testing.T) {
			bounded(t, time.Second, 64<<20, func() {
				_, warnings := run(t, New(), file(tc.path, []byte(tc.in)))
				if len(warnings) != 1 || !strings.Contains(warnings[0].Message, tc.warning) {
					t.Errorf("warnings %v, want %q", warnings, tc.warning)
				}
			})
		})
	}
}
