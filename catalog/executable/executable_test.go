package executable

import (
	"bytes"
	"compress/zlib"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goBinary builds a small Go program (no dependencies) and returns its path.
func goBinary(t *testing.T, ldflags string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/exe\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "exe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags="+ldflags, "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestReadGo(t *testing.T) {
	for _, ldflags := range []string{"", "-s -w", "-buildid="} {
		data, err := os.ReadFile(goBinary(t, ldflags))
		if err != nil {
			t.Fatal(err)
		}
		info := Read(data)
		if !strings.HasPrefix(info.GoBuildInfo, "go\tgo1.") || !strings.Contains(info.GoBuildInfo, "path\texample.com/exe") || info.GoError != "" {
			t.Errorf("ldflags %q: %+v", ldflags, info)
		}
		reduced, err := reduce("exe", data)
		if err != nil || len(reduced) > 2<<10 {
			t.Fatalf("ldflags %q: reduced %d of %d bytes, %v", ldflags, len(reduced), len(data), err)
		}
		back, err := Decode(reduced)
		if err != nil || back.GoBuildInfo != info.GoBuildInfo || back.CargoAuditable != nil {
			t.Errorf("ldflags %q: round trip %+v, %v", ldflags, back, err)
		}
	}
}

// TestAuditableSection adds a cargo-auditable section to a real ELF file
// (this machine's /bin/true) with binutils' objcopy, as cargo-auditable's
// linker arguments do, and reads it back; the plain file is not kept.
func TestAuditableSection(t *testing.T) {
	orig, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reduce("true", orig); got != nil || err != nil {
		t.Fatalf("plain ELF reduced to %d bytes, %v; want nothing kept", len(got), err)
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(`{"packages":[{"name":"serde","version":"1.0.150","source":"crates.io"}]}`))
	w.Close()
	dir := t.TempDir()
	section, out := filepath.Join(dir, "dep-v0"), filepath.Join(dir, "true-audited")
	if err := os.WriteFile(section, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("objcopy", "--add-section", ".dep-v0="+section, "/bin/true", out).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	reduced, err := reduce("true-audited", data)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Decode(reduced)
	if err != nil || !bytes.Equal(info.CargoAuditable, z.Bytes()) || info.GoBuildInfo != "" {
		t.Errorf("got %+v, %v; want the section's %d bytes", info, err, z.Len())
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("\x7fELF"), magic, append(append([]byte(nil), magic...), 0xff, 0xff, 0xff)} {
		if _, err := Decode(b); err == nil {
			t.Errorf("Decode(%q) succeeded", b)
		}
	}
}

// FuzzRead: arbitrary executables never panic Read, and what it keeps
// survives Encode and Decode.
func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil && len(b) < 1<<20 {
		f.Add(b)
	}
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info := Read(data)
		if strings.HasPrefix(info.GoError, PanicMessage) {
			t.Fatal(info.GoError)
		}
		back, err := Decode(info.Encode())
		if err != nil || back.GoBuildInfo != info.GoBuildInfo || !bytes.Equal(back.CargoAuditable, info.CargoAuditable) || back.GoError != info.GoError {
			t.Fatalf("round trip: %+v -> %+v, %v", info, back, err)
		}
	})
}
