package imageconfig

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testenv"
)

// docker runs the docker CLI with the legacy builder.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// build builds testdata/images/name on the bookworm test image with the
// legacy builder, saves it and opens the archive as vigil does. The image
// is removed when the test ends.
func build(t *testing.T, name string, buildArgs ...string) *image.Image {
	t.Helper()
	base := testenv.Get(t, "VIGIL_TEST_DOCKER_REF")
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	tag := "vigil-test/imageconfig-" + name + ":" + hex.EncodeToString(suffix)
	args := []string{"build", "--network", "host", "--force-rm", "-t", tag, "--build-arg", "BASE=" + base}
	for _, a := range buildArgs {
		args = append(args, "--build-arg", a)
	}
	docker(t, append(args, filepath.Join("testdata", "images", name))...)
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", tag).Run() })
	archive := filepath.Join(t.TempDir(), name+".tar")
	docker(t, "save", "-o", archive, tag)
	img, err := image.Open(context.Background(), image.DockerArchive+":"+archive, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = img.Close() })
	img.Source.Name = tag
	return img
}

// passwdLookup resolves user names through the image's /etc/passwd, read
// with docker create and docker cp (no container runs).
func passwdLookup(t *testing.T, ref string) func(string) (int, bool) {
	t.Helper()
	id := docker(t, "create", "--network", "none", ref, "/bin/true")
	defer docker(t, "rm", id)
	cmd := exec.Command("docker", "cp", id+":/etc/passwd", "-")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker cp: %v", err)
	}
	tr := tar.NewReader(bytes.NewReader(out))
	if _, err := tr.Next(); err != nil {
		t.Fatal(err)
	}
	uids := map[string]int{}
	sc := bufio.NewScanner(tr)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) > 2 {
			if uid, err := strconv.Atoi(f[2]); err == nil {
				uids[f[0]] = uid
			}
		}
	}
	return func(name string) (int, bool) { uid, ok := uids[name]; return uid, ok }
}

// TestRealImages checks what Docker's legacy builder really records.
func TestRealImages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "downloaded\n")
	}))
	defer srv.Close()

	t.Run("insecure", func(t *testing.T) {
		img := build(t, "insecure", "PASSWORD=hunter2-build-secret", "NOTE=two words", "URL="+srv.URL+"/file.txt")
		cfg := img.Config
		// The legacy builder records build arguments on RUN lines as
		// "|N NAME=value ... /bin/sh -c ...", sorted by name.
		var runLine string
		for _, h := range cfg.History {
			if strings.HasPrefix(h.CreatedBy, "|2 ") {
				runLine = h.CreatedBy
				break
			}
		}
		if !strings.HasPrefix(runLine, "|2 NOTE=two words PASSWORD=hunter2-build-secret /bin/sh -c ") {
			t.Fatalf("the builder recorded no |2 build-argument line; history: %+v", cfg.History)
		}

		want := []string{
			"IMG-002 config.Healthcheck",
			"IMG-003 config.ExposedPorts[22/tcp]",
			"IMG-003 config.ExposedPorts[5900/tcp]",
			"IMG-004 config.Env[1]",            // AWS_SECRET_ACCESS_KEY
			"IMG-004 config.Labels[api_token]", // a GitHub token
			"IMG-005 history[" + idx(t, cfg.History, "ENV DB_PASSWORD=temporary") + "]",
			"IMG-005 history[" + idx(t, cfg.History, "|2 NOTE=two words PASSWORD=") + "]",
			"IMG-006 history[" + idx(t, cfg.History, "#(nop) ADD ") + "]",
			"IMG-007 history[" + idx(t, cfg.History, "curl -fsSL") + "]",
		}
		slices.Sort(want)
		fs := Check(cfg, img.Layers, Options{})
		if diff := cmp.Diff(want, ids(fs)); diff != "" {
			t.Errorf("without /etc/passwd (-want +got):\n%s", diff)
		}
		// USER toor is UID 0 in the image's /etc/passwd.
		fs = Check(cfg, img.Layers, Options{LookupUser: passwdLookup(t, img.Source.Name)})
		if diff := cmp.Diff(slices.Sorted(slices.Values(append(want, "IMG-001 config.User"))), ids(fs)); diff != "" {
			t.Errorf("with /etc/passwd (-want +got):\n%s", diff)
		}
		assertRedacted(t, fs, "hunter2-build-secret", "wJalrXUtnFEMI", "ghp_abcdef", "temporary-db-pass")
		for _, f := range fs {
			if f.Evidence.Object == "history["+idx(t, cfg.History, "#(nop) ADD ")+"]" && f.Evidence.Layer < 0 {
				t.Errorf("ADD finding without its layer: %+v", f.Evidence)
			}
			if f.Evidence.Layer >= 0 && img.Layers[f.Evidence.Layer].CreatedBy != cfg.History[histIndex(f.Evidence.Object)].CreatedBy {
				t.Errorf("%s: layer %d is not the layer of %s", f.CheckID, f.Evidence.Layer, f.Evidence.Object)
			}
		}
	})

	t.Run("hardened", func(t *testing.T) {
		img := build(t, "hardened", "VERSION=2.0.0")
		if !slices.ContainsFunc(img.Config.History, func(h v1.History) bool { return strings.HasPrefix(h.CreatedBy, "|1 VERSION=2.0.0 /bin/sh -c ") }) {
			t.Errorf("no build-argument RUN line in the history: %+v", img.Config.History)
		}
		fs := Check(img.Config, img.Layers, Options{LookupUser: passwdLookup(t, img.Source.Name)})
		for _, f := range fs {
			t.Errorf("%s %s: %s", f.CheckID, f.Evidence.Object, f.Message)
		}
	})
}

// idx returns the index of the history entry containing s.
func idx(t *testing.T, h []v1.History, s string) string {
	t.Helper()
	for i, e := range h {
		if strings.Contains(e.CreatedBy, s) {
			return strconv.Itoa(i)
		}
	}
	t.Fatalf("no history entry contains %q", s)
	return ""
}

func histIndex(object string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(object, "history["), "]"))
	return n
}
