package testimage

import (
	"archive/tar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// WriteRootFS materialises files in a new temporary directory, in order,
// and returns it: a root file system for a dir: source. Parents are created
// as needed. Links are written with their targets as given (a symbolic link
// may point anywhere; it is never followed here), but a Name or a hard link
// target that leaves the directory fails the test: fixtures never write
// outside their directory. A regular file with Size > len(Body) is extended
// with a hole, so big files cost no disk space. FIFOs are supported on
// Unix; devices are not.
func WriteRootFS(t testing.TB, files ...File) string {
	t.Helper()
	root := t.TempDir()
	local := func(name string) string {
		t.Helper()
		rel := strings.Trim(name, "/")
		if strings.HasPrefix(name, "/") || !filepath.IsLocal(filepath.FromSlash(rel)) {
			t.Fatalf("testimage.WriteRootFS: %q is not a path inside the root", name)
		}
		return filepath.Join(root, filepath.FromSlash(rel))
	}
	type dirMode struct {
		path string
		mode os.FileMode
	}
	var dirs []dirMode
	for _, f := range files {
		p := local(f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatalf("testimage.WriteRootFS: %v", err)
		}
		var err error
		switch f.typ() {
		case tar.TypeReg:
			err = os.WriteFile(p, f.Body, os.FileMode(f.mode()).Perm())
			if err == nil && f.Size > int64(len(f.Body)) {
				err = os.Truncate(p, f.Size)
			}
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
			dirs = append(dirs, dirMode{p, os.FileMode(f.mode()).Perm()})
		case tar.TypeSymlink:
			err = os.Symlink(f.Linkname, p)
		case tar.TypeLink:
			err = os.Link(local(f.Linkname), p)
		case tar.TypeFifo:
			err = mkfifo(t, p, uint32(f.mode()))
		default:
			t.Fatalf("testimage.WriteRootFS: %s: type %q is not supported", f.Name, f.typ())
		}
		if err == nil && (f.Uid != 0 || f.Gid != 0) {
			err = os.Lchown(p, f.Uid, f.Gid)
		}
		if err != nil {
			t.Fatalf("testimage.WriteRootFS: %v", err)
		}
	}
	// Directory modes last, in reverse order, so that a read-only directory
	// does not stop its own contents from being written.
	for _, d := range slices.Backward(dirs) {
		if err := os.Chmod(d.path, d.mode); err != nil {
			t.Fatalf("testimage.WriteRootFS: %v", err)
		}
	}
	return root
}
