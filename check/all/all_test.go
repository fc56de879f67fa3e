package all

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/checks.md")

// TestDefinitions: every check is complete and its ID unique.
func TestDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Definitions() {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
		if seen[d.ID] {
			t.Errorf("duplicate check ID %s", d.ID)
		}
		seen[d.ID] = true
	}
}

// TestDocs: docs/checks.md is what the definitions generate.
func TestDocs(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf); err != nil {
		t.Fatal(err)
	}
	const name = "../../docs/checks.md"
	if *update {
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test ./check/all -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Error("docs/checks.md is out of date: run go test ./check/all -update")
	}
}
