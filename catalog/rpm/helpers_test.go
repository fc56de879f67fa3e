package rpm

import (
	"archive/tar"
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files derived in Go")

// entry is one tar entry of a test layer.
type entry struct {
	path string
	data []byte // a regular file's content
	link string // a symbolic link's target
}

func file(path string, data []byte) entry { return entry{path: path, data: data} }
func symlink(path, target string) entry   { return entry{path: path, link: target} }

// whiteout deletes path from the layers below.
func whiteout(path string) entry {
	dir, base := filepath.Split(path)
	return entry{path: dir + ".wh." + base, data: []byte{}}
}

// layer builds a layer tar and extracts it the way a scan does, keeping
// only what the cataloger's patterns select.
func layer(t testing.TB, c catalog.Cataloger, entries ...entry) *layerfs.Extract {
	t.Helper()
	files := make([]testimage.File, 0, len(entries))
	for _, e := range entries {
		f := testimage.File{Name: e.path, Body: e.data}
		if e.link != "" {
			f = testimage.File{Name: e.path, Type: tar.TypeSymlink, Linkname: e.link}
		}
		files = append(files, f)
	}
	return catalogtest.Layer(t, c, files...)
}

func run(t testing.TB, c catalog.Cataloger, fsys *layerfs.FS, os *inventory.OS) ([]inventory.Package, []inventory.Warning) {
	return catalogtest.Run(t, c, fsys, os)
}

func readTestdata(t testing.TB, name string) []byte { return catalogtest.ReadTestdata(t, name) }

// rpmqa is what `rpm -qa` said a database holds (testdata/*.rpmqa.txt,
// written by make.sh).
type rpmqa struct {
	name, epoch, version, release, arch, sourceRPM, license string
	files                                                   []string // directories left out
}

func readRPMQA(t testing.TB, name string) map[string]*rpmqa {
	t.Helper()
	out := map[string]*rpmqa{}
	sc := bufio.NewScanner(bytes.NewReader(readTestdata(t, name)))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch f[0] {
		case "P":
			if len(f) != 8 {
				t.Fatalf("%s: bad line %q", name, sc.Text())
			}
			out[f[1]] = &rpmqa{name: f[1], epoch: f[2], version: f[3], release: f[4], arch: f[5], sourceRPM: f[6], license: f[7]}
		case "F":
			mode, err := strconv.ParseUint(f[2], 8, 32)
			if err != nil {
				t.Fatal(err)
			}
			if mode&0o170000 != 0o040000 {
				out[f[1]].files = append(out[f[1]].files, f[3])
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s lists no packages", name)
	}
	return out
}

func golden(t *testing.T, name string, got any) { catalogtest.Golden(t, name, got, *update) }

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// env is a catalog.Env whose warnings go to the test log.
func env(t testing.TB) *catalog.Env {
	return &catalog.Env{
		Logger: slog.New(slog.DiscardHandler),
		Warn:   func(layer int, path, msg string) { t.Logf("warning: layer %d %s: %s", layer, path, msg) },
	}
}

// assertEmpty fails unless dir has nothing left in it.
func assertEmpty(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
}

// writeCorpus writes data as a seed of fuzz target target, in the corpus
// file format of go test.
func writeCorpus(t testing.TB, target, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
