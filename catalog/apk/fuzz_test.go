package apk

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseInstalled checks what the cataloger relies on in a parsed
// database, whatever the input. The committed corpus
// (testdata/fuzz/FuzzParseInstalled) holds the two sample databases.
func FuzzParseInstalled(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, problems := ParseInstalled(data)
		if len(problems) > maxProblems+1 {
			t.Fatalf("%d problems", len(problems))
		}
		if len(entries) > maxRecords {
			t.Fatalf("%d entries", len(entries))
		}
		keys := map[string]bool{}
		files := 0
		for _, e := range entries {
			if e.Name == "" || e.Version == "" {
				t.Fatalf("entry without a name or version: %+v", e)
			}
			if keys[e.key()] {
				t.Fatalf("%s listed twice", e.key())
			}
			keys[e.key()] = true
			for _, p := range e.Files {
				if !strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "/" {
					t.Fatalf("file path %q is not clean and absolute", p)
				}
				files += len(p)
			}
		}
		if files > maxFileBytes {
			t.Fatalf("%d bytes of file names", files)
		}
		// Layer attribution parses without files: same packages.
		light, _ := parse(data, false)
		if len(light) != len(entries) {
			t.Fatalf("%d entries without files, %d with", len(light), len(entries))
		}
		for i := range light {
			if light[i].key() != entries[i].key() || light[i].Files != nil {
				t.Fatalf("entry %d: %s without files, %s with", i, light[i].key(), entries[i].key())
			}
		}
	})
}

// TestWriteFuzzCorpus writes the seed corpus from the sample databases
// when asked (VIGIL_WRITE_CORPUS=1 go test -run TestWriteFuzzCorpus).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("VIGIL_WRITE_CORPUS") == "" {
		t.Skip("set VIGIL_WRITE_CORPUS=1 to rewrite testdata/fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseInstalled")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alpine-3.6.installed", "edge-cases.installed"} {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", readTestdata(t, name))
		if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".installed")), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
