package layerfs

import (
	"testing"

	"github.com/vigil-dev/vigil/internal/testimage"
)

// The rules tested here are those of the OCI image spec, layer.md,
// "Whiteouts" and "Opaque Whiteout".

func TestWhiteoutDeletesLowerFile(t *testing.T) {
	f := stack(t,
		[]testimage.File{dir("etc/"), file("etc/a", "A"), file("etc/b", "B")},
		[]testimage.File{file("etc/.wh.a", "")},
	)
	wantNotExist(t, f, "etc/a")
	wantNotExist(t, f, "etc/.wh.a")
	wantContent(t, f, "etc/b", "B", 0)
	wantDiff(t, "Glob(etc/*)", []string{"etc/b"}, f.Glob("etc/*"))
	wantDiff(t, "merged view", []string{"etc dir", "etc/b file"}, paths(t, f))
	wantDiff(t, "History(etc/a)", []Version{{Layer: 0, Data: []byte("A")}, {Layer: 1, Deleted: true}}, f.History("etc/a"))
	wantDiff(t, "History(etc/b)", []Version{{Layer: 0, Data: []byte("B")}}, f.History("etc/b"))
}

func TestWhiteoutDeletesLowerDirectoryAndItsContents(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("opt/app/bin/tool", "T"), file("opt/app/lib/x.so", "X"), file("opt/keep", "K")},
		[]testimage.File{file("opt/.wh.app", "")},
	)
	wantNotExist(t, f, "opt/app")
	wantNotExist(t, f, "opt/app/bin/tool")
	wantDiff(t, "merged view", []string{"opt dir", "opt/keep file"}, paths(t, f))
	wantDiff(t, "History(opt/app/bin/tool)", []Version{{Layer: 0, Data: []byte("T")}, {Layer: 1, Deleted: true}}, f.History("opt/app/bin/tool"))
	wantDiff(t, "History(opt/app/lib/x.so)", []Version{{Layer: 0, Data: []byte("X")}, {Layer: 1, Deleted: true}}, f.History("opt/app/lib/x.so"))
}

func TestWhiteoutOfMissingPathIsHarmless(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("etc/a", "A")},
		[]testimage.File{file("nowhere/deep/.wh.x", ""), file("etc/a/.wh.b", ""), file(".wh.ghost", "")},
	)
	wantContent(t, f, "etc/a", "A", 0)
	wantDiff(t, "merged view", []string{"etc dir", "etc/a file"}, paths(t, f))
}

// permutations returns every order of files.
func permutations(files []testimage.File) [][]testimage.File {
	if len(files) <= 1 {
		return [][]testimage.File{files}
	}
	var out [][]testimage.File
	for i := range files {
		rest := append(append([]testimage.File{}, files[:i]...), files[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]testimage.File{files[i]}, p...))
		}
	}
	return out
}

// TestOpaqueWhiteoutSpecExample is the example of the spec: the opaque
// whiteout is applied first "regardless of the ordering in which the
// whiteout file was encountered".
func TestOpaqueWhiteoutSpecExample(t *testing.T) {
	base := []testimage.File{dir("a/"), dir("a/b/"), dir("a/b/c/"), file("a/b/c/bar", "old")}
	upper := []testimage.File{dir("a/"), file("a/.wh..wh..opq", ""), dir("a/b/"), dir("a/b/c/"), file("a/b/c/foo", "new")}
	want := []string{"a dir", "a/b dir", "a/b/c dir", "a/b/c/foo file"}
	for _, order := range permutations(upper) {
		// Only orders where parents come before children are valid tars.
		if !parentsFirst(order) {
			continue
		}
		names := ""
		for _, f := range order {
			names += f.Name + " "
		}
		t.Run(names, func(t *testing.T) {
			f := stack(t, base, order)
			wantDiff(t, "merged view", want, paths(t, f))
			wantNotExist(t, f, "a/b/c/bar")
			wantContent(t, f, "a/b/c/foo", "new", 1)
			wantDiff(t, "History(a/b/c/bar)", []Version{{Layer: 0, Data: []byte("old")}, {Layer: 1, Deleted: true}}, f.History("a/b/c/bar"))
			wantDiff(t, "History(a/b/c/foo)", []Version{{Layer: 1, Data: []byte("new")}}, f.History("a/b/c/foo"))
		})
	}
}

func parentsFirst(files []testimage.File) bool {
	seen := map[string]bool{}
	for _, f := range files {
		name := trimSlash(f.Name)
		for p := parentDir(name); p != ""; p = parentDir(p) {
			if isDeclaredDir(files, p) && !seen[p] {
				return false
			}
		}
		seen[name] = true
	}
	return true
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

func parentDir(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}

func isDeclaredDir(files []testimage.File, p string) bool {
	for _, f := range files {
		if f.Type == '5' && trimSlash(f.Name) == p {
			return true
		}
	}
	return false
}

// TestOpaqueEqualsExplicitWhiteouts is the spec's second example: an opaque
// whiteout of bin/ is equivalent to a whiteout of each of its children.
func TestOpaqueEqualsExplicitWhiteouts(t *testing.T) {
	base := []testimage.File{
		file("etc/my-app-config", "c"),
		file("bin/my-app-binary", "b"), file("bin/my-app-tools", "t"), file("bin/tools/my-app-tool-one", "1"),
	}
	opaque := stack(t, base, []testimage.File{dir("bin/"), file("bin/.wh..wh..opq", "")})
	explicit := stack(t, base, []testimage.File{dir("bin/"), file("bin/.wh.my-app-binary", ""), file("bin/.wh.my-app-tools", ""), file("bin/.wh.tools", "")})
	want := []string{"bin dir", "etc dir", "etc/my-app-config file"}
	wantDiff(t, "opaque view", want, paths(t, opaque))
	wantDiff(t, "explicit view", want, paths(t, explicit))
	if got := opaque.Glob("bin/*"); len(got) != 0 {
		t.Errorf("Glob(bin/*) = %v after an opaque whiteout", got)
	}
	for _, p := range []string{"bin/my-app-binary", "bin/tools/my-app-tool-one"} {
		wantDiff(t, "opaque History("+p+")", explicit.History(p), opaque.History(p))
	}
}

func TestOpaqueKeepsSameLayerEntriesInAnyOrder(t *testing.T) {
	base := []testimage.File{file("etc/apt/sources.list", "old"), file("etc/apt/keep-not", "x")}
	for name, upper := range map[string][]testimage.File{
		"opaque first": {file("etc/apt/.wh..wh..opq", ""), file("etc/apt/sources.list", "new")},
		"opaque last":  {file("etc/apt/sources.list", "new"), file("etc/apt/.wh..wh..opq", "")},
	} {
		t.Run(name, func(t *testing.T) {
			f := stack(t, base, upper)
			wantContent(t, f, "etc/apt/sources.list", "new", 1)
			wantNotExist(t, f, "etc/apt/keep-not")
			// One Version per layer that changed the path, whatever the
			// order of the entries.
			wantDiff(t, "History(sources.list)", []Version{{Layer: 0, Data: []byte("old")}, {Layer: 1, Data: []byte("new")}}, f.History("etc/apt/sources.list"))
			wantDiff(t, "History(keep-not)", []Version{{Layer: 0, Data: []byte("x")}, {Layer: 1, Deleted: true}}, f.History("etc/apt/keep-not"))
		})
	}
}

func TestOpaqueOfMissingOrNonDirectory(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("etc/conf", "file, not a dir")},
		[]testimage.File{file("etc/conf/.wh..wh..opq", ""), file("new/.wh..wh..opq", "")},
	)
	if i, err := f.Stat("etc/conf"); err != nil || i.Type != TypeDir || i.Layer != 1 {
		t.Errorf("Stat(etc/conf) = %+v, %v; want a directory of layer 1", i, err)
	}
	if i, err := f.Stat("new"); err != nil || i.Type != TypeDir {
		t.Errorf("Stat(new) = %+v, %v; want a directory", i, err)
	}
	wantDiff(t, "History(etc/conf)", []Version{{Layer: 0, Data: []byte("file, not a dir")}, {Layer: 1, Deleted: true}}, f.History("etc/conf"))
}

func TestOpaqueRootIsWarnedAndHidesEverything(t *testing.T) {
	ext := layer(t, file(".wh..wh..opq", ""), file("new", "n"))
	wantWarning(t, ext.Warnings, ".wh..wh..opq", "opaque whiteout of the root")
	f := Merge(layer(t, file("old", "o"), file("dir/x", "x")), ext)
	wantDiff(t, "merged view", []string{"new file"}, paths(t, f))
}

func TestWhiteoutDoesNotDeleteSameLayerEntries(t *testing.T) {
	base := []testimage.File{file("etc/x", "lower"), file("d/old", "lower")}
	for name, upper := range map[string][]testimage.File{
		"whiteout after": {file("etc/x", "upper"), file("etc/y", "y"), file("etc/.wh.y", ""), file("etc/.wh.x", ""), file("d/new", "n"), file(".wh.d", "")},
		"whiteout first": {file("etc/.wh.x", ""), file("etc/.wh.y", ""), file("etc/x", "upper"), file("etc/y", "y"), file(".wh.d", ""), file("d/new", "n")},
	} {
		t.Run(name, func(t *testing.T) {
			f := stack(t, base, upper)
			wantContent(t, f, "etc/x", "upper", 1)
			wantContent(t, f, "etc/y", "y", 1)
			// The whiteout of d removes what the lower layer had in d, never
			// what this layer writes there.
			wantContent(t, f, "d/new", "n", 1)
			wantNotExist(t, f, "d/old")
			wantDiff(t, "History(etc/x)", []Version{{Layer: 0, Data: []byte("lower")}, {Layer: 1, Data: []byte("upper")}}, f.History("etc/x"))
			wantDiff(t, "History(d/old)", []Version{{Layer: 0, Data: []byte("lower")}, {Layer: 1, Deleted: true}}, f.History("d/old"))
		})
	}
}

func TestWhiteoutInLaterLayerDeletesSameLayerCompanion(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("a", "0")},
		[]testimage.File{file("b", "1")},
		[]testimage.File{file(".wh.a", ""), file(".wh.b", "")},
	)
	wantNotExist(t, f, "a")
	wantNotExist(t, f, "b")
}

func TestRecreateDeletedFile(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("etc/passwd", "v1")},
		[]testimage.File{file("etc/.wh.passwd", "")},
		[]testimage.File{file("etc/passwd", "v2")},
	)
	wantContent(t, f, "etc/passwd", "v2", 2)
	wantDiff(t, "History", []Version{
		{Layer: 0, Data: []byte("v1")},
		{Layer: 1, Deleted: true},
		{Layer: 2, Data: []byte("v2")},
	}, f.History("etc/passwd"))
}

func TestFileReplacesDirectoryAndBack(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("d/x", "x")},
		[]testimage.File{file("d", "now a file")},
		[]testimage.File{dir("d/"), file("d/y", "y")},
	)
	if i, err := f.Lstat("d"); err != nil || i.Type != TypeDir || i.Layer != 2 {
		t.Errorf("Lstat(d) = %+v, %v; want a directory of layer 2", i, err)
	}
	wantNotExist(t, f, "d/x")
	wantContent(t, f, "d/y", "y", 2)
	wantDiff(t, "History(d/x)", []Version{{Layer: 0, Data: []byte("x")}, {Layer: 1, Deleted: true}}, f.History("d/x"))
	wantDiff(t, "History(d)", []Version{{Layer: 1, Data: []byte("now a file")}, {Layer: 2, Deleted: true}}, f.History("d"))

	mid := stack(t,
		[]testimage.File{file("d/x", "x")},
		[]testimage.File{file("d", "now a file")},
	)
	if i, err := mid.Stat("d"); err != nil || i.Type != TypeFile || i.Layer != 1 {
		t.Errorf("after layer 1, Stat(d) = %+v, %v; want a file of layer 1", i, err)
	}
	wantContent(t, mid, "d", "now a file", 1)
}

func TestSymlinkReplacesDirectory(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("lib/libc.so", "libc"), file("usr/lib/libc.so", "usr libc")},
		[]testimage.File{symlink("lib", "usr/lib")},
	)
	if i, err := f.Lstat("lib"); err != nil || i.Type != TypeSymlink || i.Layer != 1 {
		t.Errorf("Lstat(lib) = %+v, %v", i, err)
	}
	wantContent(t, f, "lib/libc.so", "usr libc", 0)
	wantDiff(t, "History(lib/libc.so)", []Version{{Layer: 0, Data: []byte("libc")}, {Layer: 1, Deleted: true}}, f.History("lib/libc.so"))
}

func TestImplicitParentDirectories(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("a/b/c/file", "f")},
		[]testimage.File{file("a/b/d", "d"), file("x/y", "y")},
	)
	for p, layer := range map[string]int{"a": 0, "a/b": 0, "a/b/c": 0, "x": 1} {
		i, err := f.Stat(p)
		if err != nil || i.Type != TypeDir || i.Layer != layer || i.Mode != 0o755 {
			t.Errorf("Stat(%q) = %+v, %v; want an implicit 0755 directory of layer %d", p, i, err, layer)
		}
	}
	wantDiff(t, "merged view", []string{"a dir", "a/b dir", "a/b/c dir", "a/b/c/file file", "a/b/d file", "x dir", "x/y file"}, paths(t, f))
}

func TestImplicitParentReplacesLowerFile(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("etc/motd", "hello")},
		[]testimage.File{file("etc/motd/inner", "i")},
	)
	if i, err := f.Stat("etc/motd"); err != nil || i.Type != TypeDir || i.Layer != 1 {
		t.Errorf("Stat(etc/motd) = %+v, %v; want a directory of layer 1", i, err)
	}
	wantDiff(t, "History(etc/motd)", []Version{{Layer: 0, Data: []byte("hello")}, {Layer: 1, Deleted: true}}, f.History("etc/motd"))
}

func TestDirectoryEntryKeepsLowerContents(t *testing.T) {
	f := stack(t,
		[]testimage.File{dir("etc/"), file("etc/a", "A")},
		[]testimage.File{{Name: "etc/", Type: '5', Mode: 0o700}},
	)
	wantContent(t, f, "etc/a", "A", 0)
	if i, err := f.Stat("etc"); err != nil || i.Mode != 0o700 || i.Layer != 1 {
		t.Errorf("Stat(etc) = %+v, %v; want mode 0700 from layer 1", i, err)
	}
}

func TestWhiteoutOfDotNamesIsIgnored(t *testing.T) {
	// ".wh." + "" / "." / ".." would name the directory holding the marker
	// or its parent. The spec's whiteouts name a sibling only.
	upper := []testimage.File{file("a/b/.wh.", ""), file("a/b/.wh..", ""), file("a/b/.wh...", ""), file(".wh..", "")}
	ext := layer(t, upper...)
	for _, e := range ext.Entries {
		if e.Path == "" || e.Path == "." || e.Path == ".." || e.Path == "a" || e.Path == "a/b" {
			t.Errorf("entry %+v removes a directory that holds the marker", e)
		}
	}
	wantWarning(t, ext.Warnings, "a/b/.wh..", "whiteout")
	f := Merge(layer(t, file("a/b/c", "c")), ext)
	wantContent(t, f, "a/b/c", "c", 0)
}

func TestLayerAttribution(t *testing.T) {
	f := stack(t,
		[]testimage.File{file("etc/os-release", "debian"), file("usr/bin/a", "a")},
		[]testimage.File{file("usr/bin/b", "b"), symlink("usr/bin/c", "a")},
		[]testimage.File{file("etc/os-release", "patched")},
	)
	for p, want := range map[string]int{"etc/os-release": 2, "usr/bin/a": 0, "usr/bin/b": 1, "usr/bin/c": 0} {
		if i, err := f.Stat(p); err != nil || i.Layer != want {
			t.Errorf("Stat(%q).Layer = %d, %v; want %d", p, i.Layer, err, want)
		}
	}
	if i, err := f.Lstat("usr/bin/c"); err != nil || i.Layer != 1 || i.Type != TypeSymlink {
		t.Errorf("Lstat(usr/bin/c) = %+v, %v; want the symlink of layer 1", i, err)
	}
	if f.Layers() != 3 {
		t.Errorf("Layers() = %d", f.Layers())
	}
}
