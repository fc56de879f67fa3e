package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ti "github.com/vigil-dev/vigil/internal/testimage"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("VIGIL_CACHE_DIR", t.TempDir())
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndUsage(t *testing.T) {
	code, out, _ := run(t, "help")
	if code != ExitOK || !strings.Contains(out, "vigil sbom docker-archive:") || !strings.Contains(out, "Exit codes") {
		t.Errorf("help: code %d\n%s", code, out)
	}
	if code, _, errs := run(t, "frobnicate"); code != ExitUsage || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: code %d, %s", code, errs)
	}
	if code, _, errs := run(t, "sbom"); code != ExitUsage || !strings.Contains(errs, "want exactly one SOURCE") {
		t.Errorf("sbom without source: code %d, %s", code, errs)
	}
	if code, _, errs := run(t, "sbom", "dir:/", "--format", "xml"); code != ExitUsage || !strings.Contains(errs, `unknown format "xml"`) {
		t.Errorf("bad format: code %d, %s", code, errs)
	}
	if code, _, errs := run(t, "sbom", "/no/such/image.tar"); code != ExitError || !strings.Contains(errs, "/no/such/image.tar: no such file") {
		t.Errorf("missing file: code %d, %s", code, errs)
	}
	if code, out, _ := run(t, "version"); code != ExitOK || !strings.HasPrefix(out, "vigil ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestSBOMFormats(t *testing.T) {
	layer := ti.Gzip(ti.LayerTar(
		ti.File{Name: "etc/os-release", Body: []byte("ID=debian\nVERSION_ID=\"12\"\n")},
		ti.File{Name: "var/lib/dpkg/status", Body: []byte("Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b7\nSource: bash (5.2.15-2)\n")},
		ti.File{Name: "../escape", Body: []byte("x")},
	))
	archive := ti.WriteDockerArchive(t, ti.Image(t, [][]byte{layer}, []string{"ADD rootfs /"}), "example.test/app:1")
	dir := t.TempDir()
	for format, check := range map[string]string{
		"table":          "bash",
		"json":           `"purl": "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"`,
		"cyclonedx-json": `"specVersion": "1.6"`,
		"spdx-json":      `"spdxVersion": "SPDX-2.3"`,
	} {
		out := filepath.Join(dir, format)
		code, stdout, stderr := run(t, "sbom", "docker-archive:"+archive, "--format", format, "-o", out)
		if code != ExitOK || stdout != "" {
			t.Fatalf("%s: code %d, stdout %q, stderr %s", format, code, stdout, stderr)
		}
		if !strings.Contains(stderr, "warning: layer 0 ../escape: entry path leaves the layer root") {
			t.Errorf("%s: no warning on stderr: %s", format, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		got := string(b)
		if format != "table" {
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("%s: not JSON: %v", format, err)
			}
		}
		if !strings.Contains(got, check) {
			t.Errorf("%s output lacks %q:\n%.2000s", format, check, got)
		}
	}
	// --quiet silences warnings.
	if code, _, stderr := run(t, "sbom", "-q", "docker-archive:"+archive, "-f", "json"); code != ExitOK || stderr != "" {
		t.Errorf("--quiet: code %d stderr %q", code, stderr)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 {
		t.Errorf("output dir holds %d files, want 4 (no temporary files left)", len(ents))
	}
}
