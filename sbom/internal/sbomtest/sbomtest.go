// Package sbomtest holds what the SBOM encoder and decoder tests share: a
// realistic inventory of a Debian bookworm image, golden files, and
// validation against the official JSON schemas in sbom/testdata/schema.
package sbomtest

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-dev/vigil/catalog/purl"
	"github.com/vigil-dev/vigil/inventory"
)

// Now is the clock of every golden file.
func Now() time.Time { return time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC) }

// Layer diff IDs and digests of the test image.
const (
	BaseDiffID = "sha256:ace34d1d784c01d5b4ba8b7e2b8d1a9ba2fc6fbb2ab8ab4e6e9a2ac4b4b9ccd8"
	AppDiffID  = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
)

// Inventory returns a fresh, sorted inventory of a two-layer image built on
// debian:bookworm-slim: real bookworm packages at real versions (as in
// bookworm 12.11), with their source packages, one binNMU (bash), license
// strings as Debian copyright files give them (SPDX identifiers, Debian
// short names that are not SPDX, and one SPDX expression), and a second
// layer that installs ca-certificates.
func Inventory() *inventory.Inventory {
	osr := &inventory.OS{
		ID:         "debian",
		Name:       "Debian GNU/Linux",
		PrettyName: "Debian GNU/Linux 12 (bookworm)",
		VersionID:  "12",
		Version:    "12 (bookworm)",
		Codename:   "bookworm",
	}
	deb := func(name, version, src, srcVersion, arch string, layer int, licenses ...string) inventory.Package {
		if srcVersion == "" {
			srcVersion = version
		}
		return inventory.Package{
			Name:          name,
			Version:       version,
			SourceName:    src,
			SourceVersion: srcVersion,
			Arch:          arch,
			Type:          inventory.TypeDeb,
			Ecosystem:     "Debian:12",
			PURL: purl.OSPackage{
				Type:      "deb",
				Namespace: "debian",
				Name:      name,
				Version:   version,
				Arch:      arch,
				Upstream:  purl.Upstream(name, version, src, srcVersion),
				Distro:    purl.Distro(osr),
			}.String(),
			Licenses:  licenses,
			Layer:     layer,
			Locations: []string{"/var/lib/dpkg/status"},
		}
	}
	libc := deb("libc6", "2.36-9+deb12u10", "glibc", "", "amd64", 0, "LGPL-2.1-or-later", "GPL-2+")
	libc.Files = []string{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/share/doc/libc6/copyright"}
	inv := &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		Tool:          inventory.Tool{Name: "vigil", Version: "0.4.0"},
		Source: inventory.Source{
			Type:           "registry",
			Ref:            "ghcr.io/vigil-dev/example-app:1.0",
			Name:           "ghcr.io/vigil-dev/example-app:1.0",
			ManifestDigest: "sha256:0d7f0c6f7f3e8f4b5a6e0b9c2f1d4a8e3b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e",
			ConfigDigest:   "sha256:3e5c2f8a1b4d7e0f9a6c3b2d1e0f4a7b8c5d2e9f6a3b0c7d4e1f8a5b2c9d6e3f",
			Platform:       "linux/amd64",
		},
		OS: osr,
		Layers: []inventory.Layer{
			{
				Index:     0,
				Digest:    "sha256:61320b01ae5e0798393ef25f2dc72faf43703e60ba089b07d7170acbabbf8f62",
				DiffID:    BaseDiffID,
				MediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
				Size:      28230432,
				CreatedBy: "# debian.sh --arch 'amd64' out/ 'bookworm' '@1747008000'",
			},
			{
				Index:     1,
				Digest:    "sha256:9c4f0b2e1c5d8a7f6e3b2a1d0c9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7",
				DiffID:    AppDiffID,
				MediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
				Size:      4182016,
				CreatedBy: "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* # buildkit",
			},
		},
		Packages: []inventory.Package{
			deb("bash", "5.2.15-2+b7", "bash", "5.2.15-2", "amd64", 0, "GPL-3.0-or-later"),
			deb("coreutils", "9.1-1", "coreutils", "", "amd64", 0, "GPL-3.0-or-later"),
			libc,
			deb("libgcc-s1", "12.2.0-14+deb12u1", "gcc-12", "", "amd64", 0, "GPL-3.0-or-later WITH GCC-exception-3.1"),
			deb("libssl3", "3.0.16-1~deb12u1", "openssl", "", "amd64", 0, "Apache-2.0"),
			deb("tzdata", "2025b-0+deb12u1", "tzdata", "", "all", 0, "public-domain"),
			deb("ca-certificates", "20230311+deb12u1", "ca-certificates", "", "all", 1, "GPL-2+", "MPL-2.0"),
			deb("openssl", "3.0.16-1~deb12u1", "openssl", "", "amd64", 1, "Apache-2.0"),
		},
		Warnings: []inventory.Warning{
			{Layer: 1, Path: "/usr/share/doc/ca-certificates/copyright", Message: "copyright file is not machine-readable; licenses guessed"},
		},
	}
	inv.Sort()
	return inv
}

// Golden compares got with the golden file at path (relative to the test's
// directory), or rewrites the file when update is set.
func Golden(t *testing.T, file string, got []byte, update bool) {
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
		t.Fatalf("%v (run go test ./sbom/... -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; run go test ./sbom/... -update if the change is intended):\n%s", file, diff)
	}
}

// SchemaDir returns sbom/testdata/schema.
func SchemaDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("sbomtest: no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "schema")
}

// Schema ids of the official schemas.
const (
	CycloneDX16 = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	SPDX23      = "http://spdx.org/rdf/terms/2.3"
)

// localLoader serves schemas from sbom/testdata/schema by the last element
// of their URL and refuses everything else: tests never reach the network.
type localLoader struct{ dir string }

func (l localLoader) Load(url string) (any, error) {
	var file string
	switch {
	case url == SPDX23:
		file = "spdx-schema.json"
	case strings.HasPrefix(url, "http://cyclonedx.org/schema/"):
		file = path.Base(url)
	default:
		return nil, fmt.Errorf("schema %s is not available offline", url)
	}
	f, err := os.Open(filepath.Join(l.dir, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// Validate validates doc against the schema with the given id, asserting
// formats (date-time, iri-reference, ...) too.
func Validate(t *testing.T, schemaID string, doc []byte) {
	t.Helper()
	if err := ValidateErr(schemaID, doc); err != nil {
		t.Errorf("document does not validate against %s:\n%v", schemaID, err)
	}
}

// ValidateErr is Validate returning the error.
func ValidateErr(schemaID string, doc []byte) error {
	c := jsonschema.NewCompiler()
	c.UseLoader(localLoader{dir: SchemaDir()})
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
