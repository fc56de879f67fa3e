package hardening

import (
	"fmt"
	"testing"

	"github.com/vigil-dev/vigil/layerfs"
)

// TestDefinitions: every check is complete, in the OS domain, numbered
// OS-001 upwards without a gap.
func TestDefinitions(t *testing.T) {
	defs := Definitions()
	if len(defs) < 26 {
		t.Errorf("%d checks, want at least 26", len(defs))
	}
	for i, d := range defs {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
		if want := fmt.Sprintf("OS-%03d", i+1); d.ID != want {
			t.Errorf("check %d is %s, want %s", i, d.ID, want)
		}
	}
	if _, err := layerfs.NewMatcher(Patterns...); err != nil {
		t.Error(err)
	}
}
