package layerfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/testimage"
)

func extractDir(t *testing.T, root string, m *Matcher, lim Limits) *Extract {
	t.Helper()
	type result struct {
		ext *Extract
		err error
	}
	done := make(chan result, 1)
	go func() {
		ext, err := ExtractDir(context.Background(), root, m, lim)
		done <- result{ext, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("ExtractDir: %v", r.err)
		}
		return r.ext
	case <-time.After(10 * time.Second):
		t.Fatal("ExtractDir blocked for 10s")
		return nil
	}
}

func TestExtractDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs FIFOs and symbolic links")
	}
	root := testimage.WriteRootFS(t,
		file("etc/os-release", "ID=dir\n"),
		file("etc/passwd", "root:x:0:0:dir root"),
		symlink("srv/passwd", "../../../../../etc/passwd"),
		symlink("srv/abs", "/etc/passwd"),
		symlink("lib", "usr/lib"),
		file("usr/lib/libc.so", "libc"),
		testimage.File{Name: "run/fifo", Type: '6'},
		file(".wh.not-a-whiteout", "literal"),
		testimage.File{Name: "var/lib/dpkg/status", Body: []byte("Package: big\n"), Size: 2 << 20},
	)
	m := mustMatcher(t, "etc/*", "run/fifo", "srv/*", "lib/*", "usr/lib/*", ".wh.*", "var/lib/dpkg/status")
	ext := extractDir(t, root, m, Limits{MaxFileSize: 1 << 20})

	byPath := map[string]Entry{}
	for _, e := range ext.Entries {
		byPath[e.Path] = e
	}
	if e := byPath["run/fifo"]; e.Type != TypeOther || e.Captured {
		t.Errorf("run/fifo = %+v; want an uncaptured special file", e)
	}
	if e := byPath["srv/passwd"]; e.Type != TypeSymlink || e.Link != "../../../../../etc/passwd" || e.Captured {
		t.Errorf("srv/passwd = %+v; want the symbolic link recorded, not followed", e)
	}
	if e := byPath["lib"]; e.Type != TypeSymlink || e.Link != "usr/lib" {
		t.Errorf("lib = %+v", e)
	}
	if e := byPath["var/lib/dpkg/status"]; e.Captured || e.Size != 2<<20 {
		t.Errorf("status = %+v; want indexed, not captured", e)
	}
	wantWarning(t, ext.Warnings, "var/lib/dpkg/status", "not read", "2097152 bytes", "1048576 byte limit")
	if e := byPath[".wh.not-a-whiteout"]; e.Type != TypeFile {
		t.Errorf(".wh.not-a-whiteout = %+v; a directory has no whiteouts", e)
	}

	f := Merge(ext)
	wantContent(t, f, "srv/passwd", "root:x:0:0:dir root", 0)
	wantContent(t, f, "srv/abs", "root:x:0:0:dir root", 0)
	wantContent(t, f, "lib/libc.so", "libc", 0)
	if !f.Exists(".wh.not-a-whiteout") {
		t.Error("a file named .wh.* in a directory was taken for a whiteout")
	}
	if ext.Compression != "none" {
		t.Errorf("Compression = %q", ext.Compression)
	}
}

func TestExtractDirCapturedLimit(t *testing.T) {
	root := testimage.WriteRootFS(t,
		file("a", strings.Repeat("a", 400<<10)),
		file("b", strings.Repeat("b", 400<<10)),
		file("c", strings.Repeat("c", 400<<10)),
	)
	ext := extractDir(t, root, all, Limits{MaxCaptured: 1 << 20})
	if !ext.Entries[0].Captured || !ext.Entries[1].Captured || ext.Entries[2].Captured {
		t.Errorf("captured %v %v %v; want the first two", ext.Entries[0].Captured, ext.Entries[1].Captured, ext.Entries[2].Captured)
	}
	wantWarning(t, ext.Warnings, "c", "captured files exceed 1048576 bytes")
}

func TestExtractDirMaxEntries(t *testing.T) {
	var files []testimage.File
	for _, n := range []string{"a", "b", "c", "d"} {
		files = append(files, file(n, n))
	}
	_, err := ExtractDir(context.Background(), testimage.WriteRootFS(t, files...), nil, Limits{MaxEntries: 3})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("err = %v; want ErrLimit", err)
	}
}

func TestExtractDirThroughSymlinkedRoot(t *testing.T) {
	root := testimage.WriteRootFS(t, file("etc/os-release", "ID=linked\n"))
	link := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	ext := extractDir(t, link, all, Limits{})
	wantContent(t, Merge(ext), "etc/os-release", "ID=linked\n", 0)
}

func TestExtractDirErrors(t *testing.T) {
	if _, err := ExtractDir(context.Background(), filepath.Join(t.TempDir(), "missing"), nil, Limits{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
	root := testimage.WriteRootFS(t, file("f", "x"))
	if _, err := ExtractDir(context.Background(), filepath.Join(root, "f"), nil, Limits{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ExtractDir(ctx, root, nil, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestExtractDirUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("root reads any file; permissions cannot make one unreadable")
	}
	root := testimage.WriteRootFS(t, testimage.File{Name: "etc/shadow", Body: []byte("secret"), Mode: 0o000}, file("etc/ok", "ok"))
	ext := extractDir(t, root, all, Limits{})
	wantWarning(t, ext.Warnings, "etc/shadow", "permission denied")
	wantContent(t, Merge(ext), "etc/ok", "ok", 0)
}

// TestExtractDirSpecialBits: setuid, setgid and sticky bits of a root file
// system on disk reach the extract as a layer's tar header has them.
func TestExtractDirSpecialBits(t *testing.T) {
	root := t.TempDir()
	for name, mode := range map[string]os.FileMode{"suid": 0o755 | os.ModeSetuid, "sgid": 0o755 | os.ModeSetgid} {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "tmp"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	ext, err := ExtractDir(context.Background(), root, mustMatcher(t, "etc/passwd"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, e := range ext.Entries {
		got[e.Path] = e.Mode
	}
	if got["suid"] != 0o4755 || got["sgid"] != 0o2755 || got["tmp"] != 0o1777 {
		t.Errorf("modes %o %o %o, want 4755 2755 1777", got["suid"], got["sgid"], got["tmp"])
	}
}
