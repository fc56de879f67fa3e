package scan_test

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/image"
	ti "github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/layerfs"
	"github.com/vigil-dev/vigil/scan"
)

const (
	osRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"
	stanzaA   = "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n"
	stanzaB   = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n"
	stanzaB2  = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.15-1~deb12u1\n"
)

// threeLayers is a small image built in code: a base layer, a layer that
// installs libssl3 and writes a secret, and a layer that upgrades libssl3
// and deletes the secret with a whiteout.
func threeLayers() [][]byte {
	return [][]byte{
		ti.Gzip(ti.LayerTar(
			ti.File{Name: "etc/", Type: tar.TypeDir},
			ti.File{Name: "usr/lib/os-release", Body: []byte(osRelease)},
			ti.File{Name: "etc/os-release", Type: tar.TypeSymlink, Linkname: "../usr/lib/os-release"},
			ti.File{Name: "var/lib/dpkg/status", Body: []byte(stanzaA)},
			ti.File{Name: "var/lib/dpkg/info/base-files.list", Body: []byte("/.\n/etc\n/etc/issue\n")},
			ti.File{Name: "etc/issue", Body: []byte("Debian GNU/Linux 12\n")},
		)),
		ti.Zstd(ti.LayerTar(
			ti.File{Name: "var/lib/dpkg/status", Body: []byte(stanzaA + "\n" + stanzaB)},
			ti.File{Name: "root/.aws/credentials", Body: []byte("[default]\n")},
		)),
		ti.LayerTar(
			ti.File{Name: "var/lib/dpkg/status", Body: []byte(stanzaA + "\n" + stanzaB2)},
			ti.File{Name: "root/.aws/.wh.credentials"},
		),
	}
}

var history = []string{"ADD rootfs.tar /", "RUN apt-get install -y libssl3", "RUN apt-get upgrade -y && rm /root/.aws/credentials"}

// inCodeSources writes img in every form vigil reads.
func inCodeSources(t *testing.T, img v1.Image) map[string]string {
	return map[string]string{
		"docker-archive": "docker-archive:" + ti.WriteDockerArchive(t, img, "vigil.test/three:1"),
		"oci":            "oci:" + ti.WriteOCILayout(t, img, "three"),
		"oci-archive":    "oci-archive:" + ti.WriteOCIArchive(t, img, "three"),
		"registry":       "registry:" + ti.PushRegistry(t, img, "vigil/three:1"),
	}
}

func TestLayerAttributionEverySource(t *testing.T) {
	img := ti.Image(t, threeLayers(), history)
	var ref []inventory.Package
	for kind, src := range inCodeSources(t, img) {
		t.Run(kind, func(t *testing.T) {
			inv, err := scan.Inventory(context.Background(), src, scan.Options{Image: image.Options{Insecure: true}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]string{}
			for _, p := range inv.Packages {
				got[p.Name] = [2]string{p.Version, inv.Layers[p.Layer].CreatedBy}
			}
			want := map[string][2]string{
				"base-files": {"12.4+deb12u5", history[0]},
				// upgraded in the last layer: that layer introduced this version
				"libssl3": {"3.0.15-1~deb12u1", history[2]},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			for i, l := range inv.Layers {
				if l.CreatedBy != history[i] || !strings.HasPrefix(l.DiffID, "sha256:") {
					t.Errorf("layer %d = %+v", i, l)
				}
			}
			if ref == nil {
				ref = inv.Packages
			} else if diff := cmp.Diff(ref, inv.Packages); diff != "" {
				t.Errorf("packages differ between sources:\n%s", diff)
			}
		})
	}
}

func TestTamperedImages(t *testing.T) {
	tests := []struct {
		name string
		opt  ti.Option
		want string
	}{
		{"diffID", ti.WrongDiffID(1), "layer 1 (sha256:"},
		{"layer digest", ti.WrongLayerDigest(2), "layer 2 ("},
	}
	for _, tt := range tests {
		img := ti.Image(t, threeLayers(), history, tt.opt)
		sources := map[string]string{
			"oci":         "oci:" + ti.WriteOCILayout(t, img, "three"),
			"oci-archive": "oci-archive:" + ti.WriteOCIArchive(t, img, "three"),
		}
		if tt.name == "diffID" {
			// A registry refuses a blob whose digest is wrong, so only a
			// wrong diffID can be pushed; a docker-archive has no manifest
			// digests at all, only the configuration's diffIDs.
			sources["registry"] = "registry:" + ti.PushRegistry(t, img, "vigil/three:1")
			sources["docker-archive"] = "docker-archive:" + ti.WriteDockerArchive(t, img, "vigil.test/three:1")
		}
		for kind, src := range sources {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				_, err := scan.Inventory(context.Background(), src, scan.Options{Image: image.Options{Insecure: true}})
				if err == nil {
					t.Fatal("a tampered image was read without error")
				}
				if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "does not match") {
					t.Errorf("error %q does not name the layer and the mismatch", err)
				}
				var le *image.LayerError
				if !errors.As(err, &le) && kind != "registry" {
					t.Errorf("error is not a *image.LayerError: %T", err)
				}
			})
		}
	}
}

func TestHostileLayers(t *testing.T) {
	layers := [][]byte{
		ti.Gzip(ti.LayerTar(
			ti.File{Name: "../../../../tmp/vigil-evil", Body: []byte("x")},
			ti.File{Name: "/etc/passwd", Body: []byte("root:x:0:0::/root:/bin/sh\n")},
			ti.File{Name: "etc/os-release", Type: tar.TypeSymlink, Linkname: "../../../../../etc/os-release"},
			ti.File{Name: "var/lib/dpkg/status", Type: tar.TypeSymlink, Linkname: "status"},
			ti.File{Name: "loop/a", Type: tar.TypeSymlink, Linkname: "b"},
			ti.File{Name: "loop/b", Type: tar.TypeSymlink, Linkname: "a"},
			ti.File{Name: "hl", Type: tar.TypeLink, Linkname: "../../../etc/shadow"},
		)),
	}
	img := ti.Image(t, layers, nil)
	cwd := t.TempDir()
	t.Chdir(cwd)
	cache := t.TempDir()
	for kind, src := range inCodeSources(t, img) {
		t.Run(kind, func(t *testing.T) {
			inv, err := scan.Inventory(context.Background(), src, scan.Options{Image: image.Options{Insecure: true}})
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("packages from a hostile image: %v", inv.Packages)
			}
			var msgs []string
			for _, w := range inv.Warnings {
				msgs = append(msgs, w.Path+": "+w.Message)
			}
			all := strings.Join(msgs, "\n")
			for _, want := range []string{"../../../../tmp/vigil-evil: entry path leaves the layer root", "/etc/passwd: entry path leaves", "/hl: hard link target \"../../../etc/shadow\" leaves the layer root"} {
				if !strings.Contains(all, want) {
					t.Errorf("no warning %q in:\n%s", want, all)
				}
			}
		})
	}
	// Nothing was written outside the cache: not in the working directory,
	// not where the traversal pointed.
	if _, err := os.Stat("/tmp/vigil-evil"); err == nil {
		t.Error("/tmp/vigil-evil exists")
	}
	for _, d := range []string{cwd, cache} {
		if ents, _ := os.ReadDir(d); len(ents) > 0 {
			t.Errorf("%s is not empty: %v", d, ents)
		}
	}
}

// TestDecompressionBomb: 256 MiB of zeros under a catalogued path, 256 KiB
// compressed. The file is not read into memory; the scan goes on.
func TestDecompressionBomb(t *testing.T) {
	bomb := ti.Gzip(ti.LayerTar(ti.File{Name: "var/lib/dpkg/status.d/bomb", Size: 256 << 20}))
	img := ti.Image(t, [][]byte{bomb}, nil)
	src := "oci:" + ti.WriteOCILayout(t, img, "bomb")
	inv, err := scan.Inventory(context.Background(), src, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, w := range inv.Warnings {
		found = found || w.Layer == 0 && w.Path == "/var/lib/dpkg/status.d/bomb" && strings.Contains(w.Message, "file not read: 268435456 bytes is over the 67108864 byte limit")
	}
	if !found {
		t.Errorf("no size-limit warning naming layer 0 and the path: %+v", inv.Warnings)
	}
	// With a layer size limit the same layer is refused outright.
	_, err = scan.Inventory(context.Background(), src, scan.Options{Limits: layerfs.Limits{MaxLayerSize: 32 << 20}})
	if !errors.Is(err, layerfs.ErrLimit) || !strings.Contains(err.Error(), "layer 0") {
		t.Errorf("err = %v, want a limit error naming layer 0", err)
	}
}

func TestCorruptLayer(t *testing.T) {
	good := ti.Gzip(ti.LayerTar(ti.File{Name: "var/lib/dpkg/status", Body: []byte(stanzaA)}, ti.File{Name: "etc/big", Body: make([]byte, 1<<20)}))
	truncated := good[:len(good)/2]
	img := ti.Image(t, [][]byte{good, truncated}, nil)
	src := "oci:" + ti.WriteOCILayout(t, img, "x")
	_, err := scan.Inventory(context.Background(), src, scan.Options{Limits: layerfs.Limits{}})
	if err == nil || !strings.Contains(err.Error(), "layer 1") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("err = %v, want a truncated-layer error naming layer 1", err)
	}
}

// TestAlpineAndRPMImages scans images built in code around real package
// databases: Alpine's apk database from a real 3.6 image, and an rpm
// sqlite database made by rpm 4.18 (catalog/*/testdata).
func TestAlpineAndRPMImages(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join("..", p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name     string
		files    []ti.File
		osID     string
		typ      string
		wantPkg  string // a package that must be found, name@version
		minCount int
	}{
		{
			name: "alpine",
			files: []ti.File{
				{Name: "etc/os-release", Body: []byte("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.6.5\nPRETTY_NAME=\"Alpine Linux v3.6\"\n")},
				{Name: "lib/apk/db/installed", Body: read("catalog/apk/testdata/alpine-3.6.installed")},
			},
			osID: "alpine", typ: inventory.TypeApk, wantPkg: "musl", minCount: 10,
		},
		{
			name: "rocky",
			files: []ti.File{
				{Name: "etc/os-release", Body: []byte("NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\n")},
				{Name: "usr/lib/sysimage/rpm/rpmdb.sqlite", Body: read("catalog/rpm/testdata/sqlite/final/rpmdb.sqlite")},
				{Name: "var/lib/rpm", Type: tar.TypeSymlink, Linkname: "../../usr/lib/sysimage/rpm"},
			},
			osID: "rocky", typ: inventory.TypeRPM, wantPkg: "vigil-hello", minCount: 4,
		},
	}
	for _, tt := range tests {
		img := ti.Image(t, [][]byte{ti.Gzip(ti.LayerTar(tt.files...))}, []string{"ADD " + tt.name})
		srcs := inCodeSources(t, img)
		srcs["dir"] = "dir:" + ti.WriteRootFS(t, tt.files...)
		var ref []inventory.Package
		for kind, src := range srcs {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				cache, err := layercache.Open(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				inv, err := scan.Inventory(context.Background(), src, scan.Options{Image: image.Options{Insecure: true}, Cache: cache})
				if err != nil {
					t.Fatal(err)
				}
				if inv.OS == nil || inv.OS.ID != tt.osID {
					t.Errorf("OS = %+v", inv.OS)
				}
				if len(inv.Warnings) > 0 {
					t.Errorf("warnings: %v", inv.Warnings)
				}
				found := false
				for _, p := range inv.Packages {
					if p.Type != tt.typ || !strings.Contains(p.PURL, "distro="+tt.osID) {
						t.Errorf("package %s: type %s purl %s", p.Name, p.Type, p.PURL)
					}
					found = found || p.Name == tt.wantPkg
				}
				if !found || len(inv.Packages) < tt.minCount {
					t.Errorf("%d packages, %s found: %v", len(inv.Packages), tt.wantPkg, found)
				}
				if ref == nil {
					ref = inv.Packages
				} else if diff := cmp.Diff(ref, inv.Packages); diff != "" {
					t.Errorf("packages differ between sources:\n%s", diff)
				}
			})
		}
	}
}

// TestLanguagePackagesOwnedByOS: Debian's python3-requests installs
// requests' egg-info, which dpkg lists as its own; pip installed urllib3 in
// a later layer. requests is reported once, as the deb; urllib3 as PyPI,
// in the layer that added it, and so is an npm package.
func TestLanguagePackagesOwnedByOS(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "catalog/python/testdata/root", p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const reqInfo = "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO"
	status := stanzaA + "\nPackage: python3-requests\nStatus: install ok installed\nArchitecture: all\nSource: requests\nVersion: 2.28.1+dfsg-1\n"
	base := ti.Gzip(ti.LayerTar(
		ti.File{Name: "etc/os-release", Body: []byte(osRelease)},
		ti.File{Name: "var/lib/dpkg/status", Body: []byte(status)},
		ti.File{Name: "var/lib/dpkg/info/python3-requests.list", Body: []byte("/.\n/usr\n/" + reqInfo + "\n")},
		ti.File{Name: reqInfo, Body: read(reqInfo)},
	))
	app := ti.Gzip(ti.LayerTar(
		ti.File{Name: "usr/local/lib/python3.11/site-packages/urllib3-1.26.12.dist-info/METADATA", Body: []byte("Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.12\nLicense: MIT\n\nbody\n")},
		ti.File{Name: "app/node_modules/lodash/package.json", Body: []byte(`{"name":"lodash","version":"4.17.20","license":"MIT"}`)},
	))
	img := ti.Image(t, [][]byte{base, app}, []string{"ADD rootfs /", "RUN pip install urllib3==1.26.12 && npm install lodash@4.17.20"})
	inv, err := scan.Inventory(context.Background(), "oci:"+ti.WriteOCILayout(t, img, "py"), scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range inv.Packages {
		got = append(got, fmt.Sprintf("%s %s %s layer %d", p.Type, p.Name, p.Version, p.Layer))
	}
	want := []string{
		"deb base-files 12.4+deb12u5 layer 0",
		"deb python3-requests 2.28.1+dfsg-1 layer 0",
		"npm lodash 4.17.20 layer 1",
		"pypi urllib3 1.26.12 layer 1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}
