package golang

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"github.com/vigil-dev/vigil/catalog/executable"
)

// FuzzBuildInfo feeds arbitrary bytes to the binary reader: it must not
// panic (a recovered panic of debug/buildinfo is a finding too), and what
// it returns must be well formed.
func FuzzBuildInfo(f *testing.F) {
	f.Add(syntheticELF("go1.22.3", "path\texample.com/x\nmod\texample.com/x\t(devel)\t\ndep\tgithub.com/google/uuid\tv1.3.0\th1:x\n=>\tgithub.com/fork/uuid\tv1.3.1\t\n"))
	f.Add(syntheticELF("go1.20.5 X:boringcrypto", ""))
	if b, err := os.ReadFile("/bin/true"); err == nil && len(b) < 1<<20 {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mods, err := BinaryModules(data)
		if err != nil && strings.HasPrefix(err.Error(), executable.PanicMessage) {
			t.Fatal(err)
		}
		if err != nil && mods != nil {
			t.Fatalf("modules %v with error %v", mods, err)
		}
		for _, m := range mods {
			if m.Path == "" {
				t.Fatalf("module without a path: %+v", m)
			}
			if m.Path == StdlibName && m.Version != "" && !semver.IsValid(m.Version) {
				t.Fatalf("stdlib version %q is not semver", m.Version)
			}
			_ = PURL(m.Path, m.Version)
		}
	})
}

// FuzzGoMod feeds arbitrary bytes to the go.mod reader.
func FuzzGoMod(f *testing.F) {
	for _, name := range []string{"testdata/vigil.go.mod", "testdata/replace.go.mod"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("module m\nreplace a => b v1.0.0\nrequire a v0.1.0 // indirect\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mods, err := GoModModules("go.mod", data)
		if err != nil {
			return
		}
		for i, m := range mods {
			if m.Path == "" {
				t.Fatalf("module without a path: %+v", m)
			}
			if m.Main && i != 0 {
				t.Fatalf("main module not first: %+v", mods)
			}
			if m.SourceVersion != "" && m.SourcePath == "" {
				t.Fatalf("source version without a source path: %+v", m)
			}
		}
	})
}
