package reporttest

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Golden compares got with the golden file (relative to the test's
// directory), or rewrites the file when update is set.
func Golden(t testing.TB, file string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./report/... -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; run go test ./report/... -update if the change is intended):\n%s", file, diff)
	}
}

// Ids of the official schemas the tests validate against.
const (
	SARIF210    = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	CycloneDX16 = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	OpenVEX020  = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"
)

// localLoader serves the schemas from report/testdata/schema (SARIF,
// OpenVEX) and sbom/testdata/schema (CycloneDX and the schemas it
// references), and refuses every other URL: tests never reach the network.
type localLoader struct{}

func (localLoader) Load(url string) (any, error) {
	root := RepoRoot()
	var file string
	switch {
	case url == SARIF210:
		file = filepath.Join(root, "report", "testdata", "schema", "sarif-schema-2.1.0.json")
	case url == OpenVEX020:
		file = filepath.Join(root, "report", "testdata", "schema", "openvex_json_schema.json")
	case strings.HasPrefix(url, "http://cyclonedx.org/schema/"):
		file = filepath.Join(root, "sbom", "testdata", "schema", path.Base(url))
	default:
		return nil, fmt.Errorf("schema %s is not available offline", url)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// Validate validates doc against the schema with the given id, asserting
// formats (uri, date-time, ...) too.
func Validate(t testing.TB, schemaID string, doc []byte) {
	t.Helper()
	if err := ValidateErr(schemaID, doc); err != nil {
		t.Errorf("document does not validate against %s:\n%v", schemaID, err)
	}
}

// ValidateErr is Validate returning the error.
func ValidateErr(schemaID string, doc []byte) error {
	c := jsonschema.NewCompiler()
	c.UseLoader(localLoader{})
	c.AssertFormat()
	sch, err := c.Compile(schemaID)
	if err != nil {
		return fmt.Errorf("compile schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("parse document: %w", err)
	}
	return sch.Validate(inst)
}
