package golang

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The Go binaries of the tests are built once per test run, from a small
// main module that requires old versions of real modules through the Go
// module proxy (GOFLAGS=-mod=mod), with a replace directive of each kind.
const (
	fixtureGoMod = `module example.com/vigil/gobin

go 1.21

require (
	github.com/google/uuid v1.3.0
	golang.org/x/text v0.3.7
	example.com/vigil/local v0.1.0
)

replace golang.org/x/text v0.3.7 => golang.org/x/text v0.3.8

replace example.com/vigil/local => ./local
`
	fixtureMain = `package main

import (
	"fmt"

	"example.com/vigil/local"
	"github.com/google/uuid"
	"golang.org/x/text/language"
)

func main() { fmt.Println(uuid.NewString(), language.English, local.Name) }
`
)

type builtBinaries struct {
	dir       string
	plain     string // go build -trimpath
	stripped  string // ... -ldflags=-s -w
	noBuildID string // ... -ldflags=-buildid=
	err       error
}

var (
	buildOnce sync.Once
	built     builtBinaries
)

// testBinaries builds the fixture binaries on first use.
func testBinaries(t testing.TB) builtBinaries {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-golang-test-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		files := map[string]string{
			"go.mod":         fixtureGoMod,
			"main.go":        fixtureMain,
			"local/go.mod":   "module example.com/vigil/local\n\ngo 1.21\n",
			"local/local.go": "package local\n\nconst Name = \"local\"\n",
		}
		for name, content := range files {
			p := filepath.Join(dir, "src", name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				built.err = err
				return
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				built.err = err
				return
			}
		}
		built.plain = filepath.Join(dir, "gobin")
		built.stripped = filepath.Join(dir, "gobin-stripped")
		built.noBuildID = filepath.Join(dir, "gobin-nobuildid")
		for _, args := range [][]string{
			{"build", "-trimpath", "-o", built.plain, "."},
			{"build", "-trimpath", "-ldflags=-s -w", "-o", built.stripped, "."},
			// Reproducible builds drop the build ID note (and with it what a
			// look at the first bytes of the file could recognise).
			{"build", "-trimpath", "-ldflags=-buildid=", "-o", built.noBuildID, "."},
		} {
			cmd := exec.Command("go", args...)
			cmd.Dir = filepath.Join(dir, "src")
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				built.err = &buildError{args: args, out: string(out), err: err}
				return
			}
		}
	})
	if built.err != nil {
		t.Fatalf("building the test binaries: %v", built.err)
	}
	return built
}

type buildError struct {
	args []string
	out  string
	err  error
}

func (e *buildError) Error() string {
	return "go " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// syntheticELF returns the smallest ELF file that debug/buildinfo reads:
// one writable PT_LOAD segment holding a Go 1.18+ build information blob
// with goVersion and modinfo (the text `go version -m` prints, without the
// leading tab). An empty modinfo gives a binary built outside module mode.
func syntheticELF(goVersion, modinfo string) []byte {
	var blob bytes.Buffer
	blob.WriteString("\xff Go buildinf:")
	blob.WriteByte(8)   // pointer size
	blob.WriteByte(0x2) // strings inline, little endian
	blob.Write(make([]byte, 16))
	putString := func(s string) {
		blob.Write(binary.AppendUvarint(nil, uint64(len(s))))
		blob.WriteString(s)
	}
	putString(goVersion)
	if modinfo == "" {
		putString("")
	} else {
		// The runtime wraps modinfo in 16-byte sentinels.
		putString(strings.Repeat("\x00", 16) + modinfo + strings.Repeat("\x00", 16))
	}
	// debug/buildinfo reads a varint's worth of bytes past each string.
	blob.Write(make([]byte, 16))
	const dataOff, vaddr = 0x100, 0x400000
	out := make([]byte, dataOff, dataOff+blob.Len())
	copy(out, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(out[16:], 2)  // ET_EXEC
	le.PutUint16(out[18:], 62) // EM_X86_64
	le.PutUint32(out[20:], 1)  // EV_CURRENT
	le.PutUint64(out[32:], 64) // e_phoff
	le.PutUint16(out[52:], 64) // e_ehsize
	le.PutUint16(out[54:], 56) // e_phentsize
	le.PutUint16(out[56:], 1)  // e_phnum
	le.PutUint16(out[58:], 64) // e_shentsize
	ph := out[64:]
	le.PutUint32(ph[0:], 1)   // PT_LOAD
	le.PutUint32(ph[4:], 0x6) // PF_R|PF_W
	le.PutUint64(ph[8:], dataOff)
	le.PutUint64(ph[16:], vaddr)
	le.PutUint64(ph[24:], vaddr)
	le.PutUint64(ph[32:], uint64(blob.Len()))
	le.PutUint64(ph[40:], uint64(blob.Len()))
	le.PutUint64(ph[48:], 0x1000)
	return append(out, blob.Bytes()...)
}
