package reporttest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile"
	"github.com/vigil-dev/vigil/check/imageconfig"
	"github.com/vigil-dev/vigil/check/kubernetes"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/vuln"
)

// ImageReport returns Report with the findings of check/imageconfig on
// the image's configuration (ImageConfig): what `vigil scan image` gives
// with the vuln and config scanners.
func ImageReport(t testing.TB) *vuln.Report {
	t.Helper()
	r := Report(t)
	r.Checks = imageconfig.Check(ImageConfig(r.Layers), r.Layers, imageconfig.Options{})
	if len(r.Checks) == 0 {
		t.Fatal("reporttest: check/imageconfig found nothing in ImageConfig")
	}
	return r
}

// ImageConfig is the configuration of the image that Report describes,
// modelled on check/imageconfig/testdata/images/insecure/Dockerfile as
// BuildKit records it: its history has one non-empty step per layer
// (their CreatedBy) and, between them, the instructions that make no
// layer. It runs as root with no health check, exposes SSH, keeps an AWS
// key in its environment and a GitHub token in a label, declares a
// PASSWORD build argument that a RUN step received, and pipes a download
// into a shell.
func ImageConfig(layers []inventory.Layer) *v1.ConfigFile {
	cfg := &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Config: v1.Config{
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
				"APP_ENV=test",
			},
			Labels:       map[string]string{"api_token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "maintainer": "vigil tests"},
			ExposedPorts: map[string]struct{}{"22/tcp": {}, "8080/tcp": {}},
			Cmd:          []string{"/usr/local/bin/example-app"},
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	step := func(createdBy string, empty bool) {
		cfg.History = append(cfg.History, v1.History{CreatedBy: createdBy, EmptyLayer: empty})
	}
	for i, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, mustHash(l.DiffID))
		switch i {
		case 0:
			step(l.CreatedBy, false)
			step(`CMD ["bash"]`, true)
		case 1:
			step("ARG PASSWORD", true)
			step("ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY APP_ENV=test", true)
			step(`LABEL api_token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 maintainer="vigil tests"`, true)
			step("RUN |1 PASSWORD=hunter2secret /bin/sh -c true || curl -fsSL https://get.example.com/install.sh | sh # buildkit", true)
			step(l.CreatedBy, false)
		default:
			step(l.CreatedBy, false)
		}
	}
	step("EXPOSE map[22/tcp:{} 8080/tcp:{}]", true)
	step(`CMD ["/usr/local/bin/example-app"]`, true)
	return cfg
}

func mustHash(s string) v1.Hash {
	h, err := v1.NewHash(s)
	if err != nil {
		panic("reporttest: " + err.Error())
	}
	return h
}

// DockerfileDir and ManifestDir are the testdata that ConfigReport scans,
// relative to the repository root.
const (
	DockerfileDir = "check/dockerfile/testdata/bad"
	ManifestDir   = "check/kubernetes/testdata/rules"
)

// ConfigReport returns the report of `vigil scan config` run from the
// repository root on the Dockerfiles of DockerfileDir and the manifests
// of ManifestDir that have findings (finding-*.yaml): check/dockerfile
// and check/kubernetes on their own testdata, each file named by its path
// relative to the root, as on the command line. It has no packages, no
// advisory data and no image.
func ConfigReport(t testing.TB) *vuln.Report {
	t.Helper()
	r := &vuln.Report{
		SchemaVersion: vuln.SchemaVersion,
		Tool:          inventory.Tool{Name: "vigil", Version: "0.5.0"},
		Source:        inventory.Source{Type: "config", Ref: "check", Name: "check"},
		BaseLayers:    -1,
		Findings:      []vuln.Finding{},
	}
	root := RepoRoot()
	for _, c := range []struct {
		dir, glob string
		run       func(name string, f *os.File) ([]check.Finding, error)
	}{
		{DockerfileDir, "*.Dockerfile", func(name string, f *os.File) ([]check.Finding, error) {
			return dockerfile.Check(name, f, dockerfile.Options{ContextDir: filepath.Join(root, filepath.Dir(name))})
		}},
		{ManifestDir, "finding-*.yaml", func(name string, f *os.File) ([]check.Finding, error) {
			return kubernetes.Check(name, f, kubernetes.Options{})
		}},
	} {
		files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(c.dir), c.glob))
		if err != nil || len(files) == 0 {
			t.Fatalf("reporttest: no %s in %s: %v", c.glob, c.dir, err)
		}
		slices.Sort(files)
		for _, file := range files {
			name := c.dir + "/" + filepath.Base(file)
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			found, err := c.run(name, f)
			f.Close()
			if err != nil {
				t.Fatalf("reporttest: %s: %v", name, err)
			}
			if len(found) == 0 {
				t.Fatalf("reporttest: %s has no findings", name)
			}
			r.Checks = append(r.Checks, found...)
		}
	}
	check.Sort(r.Checks)
	return r
}
