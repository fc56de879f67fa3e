package layerfs

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/testimage"
)

func TestSymlinksResolveInsideTheRoot(t *testing.T) {
	for _, target := range []string{"../usr/lib/os-release", "/usr/lib/os-release", "../../../../usr/lib/os-release", "/../../usr/./lib//os-release"} {
		t.Run(target, func(t *testing.T) {
			f := stack(t,
				[]testimage.File{file("usr/lib/os-release", "ID=debian\n")},
				[]testimage.File{symlink("etc/os-release", target)},
			)
			wantContent(t, f, "etc/os-release", "ID=debian\n", 0)
			i, err := f.Stat("/etc/os-release")
			if err != nil || i.Path != "usr/lib/os-release" || i.Type != TypeFile || i.Layer != 0 {
				t.Errorf("Stat = %+v, %v; want the file usr/lib/os-release of layer 0", i, err)
			}
			l, err := f.Lstat("etc/os-release")
			if err != nil || l.Type != TypeSymlink || l.Link != target || l.Layer != 1 {
				t.Errorf("Lstat = %+v, %v; want the symlink of layer 1", l, err)
			}
		})
	}
}

func TestSymlinkCannotReachTheHost(t *testing.T) {
	f := stack(t, []testimage.File{
		file("etc/passwd", "root:x:0:0:image root:/root:/bin/sh\n"),
		symlink("srv/app/data/passwd", "../../../../etc/passwd"),
		symlink("srv/app/abs", "/../../../etc/passwd"),
		symlink("srv/app/hostname", "../../../../../../etc/hostname"),
		symlink("srv/app/up", "../../../../.."),
	})
	wantContent(t, f, "srv/app/data/passwd", "root:x:0:0:image root:/root:/bin/sh\n", 0)
	wantContent(t, f, "srv/app/abs", "root:x:0:0:image root:/root:/bin/sh\n", 0)
	wantContent(t, f, "srv/app/up/etc/passwd", "root:x:0:0:image root:/root:/bin/sh\n", 0)
	// /etc/hostname exists on the host, not in the image.
	if _, err := f.Stat("srv/app/hostname"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(srv/app/hostname) = %v; want ErrNotExist", err)
	}
	if i, err := f.Stat("srv/app/up"); err != nil || i.Path != "" || i.Type != TypeDir {
		t.Errorf("Stat(srv/app/up) = %+v, %v; want the image root", i, err)
	}
	// Lookups with ".." of their own stay inside too.
	wantContent(t, f, "../../../etc/passwd", "root:x:0:0:image root:/root:/bin/sh\n", 0)
}

func TestSymlinkedDirectoryInThePath(t *testing.T) {
	// Debian and Fedora merge /lib into /usr/lib.
	f := stack(t,
		[]testimage.File{
			symlink("lib", "usr/lib"), symlink("bin", "usr/bin"),
			file("usr/lib/x86_64-linux-gnu/libc.so.6", "libc"),
			symlink("usr/lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13"),
			file("usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "libz"),
		},
		[]testimage.File{file("usr/bin/tool", "tool")},
	)
	wantContent(t, f, "lib/x86_64-linux-gnu/libc.so.6", "libc", 0)
	wantContent(t, f, "/lib/x86_64-linux-gnu/libz.so.1", "libz", 0)
	wantContent(t, f, "bin/tool", "tool", 1)
	if i, err := f.Stat("lib/x86_64-linux-gnu/libz.so.1"); err != nil || i.Path != "usr/lib/x86_64-linux-gnu/libz.so.1.2.13" {
		t.Errorf("Stat = %+v, %v", i, err)
	}
	if i, err := f.Lstat("lib/x86_64-linux-gnu/libz.so.1"); err != nil || i.Type != TypeSymlink || i.Path != "usr/lib/x86_64-linux-gnu/libz.so.1" {
		t.Errorf("Lstat = %+v, %v; want the symlink, at its resolved directory", i, err)
	}
	wantDiff(t, "Glob(lib/*/libc.so*)", []string{"lib/x86_64-linux-gnu/libc.so.6"}, f.Glob("lib/*/libc.so*"))
	wantDiff(t, "Glob(*/x86_64-linux-gnu/libz*)", []string{
		"lib/x86_64-linux-gnu/libz.so.1", "lib/x86_64-linux-gnu/libz.so.1.2.13",
	}, f.Glob("*/x86_64-linux-gnu/libz*"))
	// A symlink is not a directory to Walk.
	var walked []string
	_ = f.Walk(func(i Info) error {
		if strings.HasPrefix(i.Path, "lib/") {
			walked = append(walked, i.Path)
		}
		return nil
	})
	if len(walked) != 0 {
		t.Errorf("Walk followed the lib symlink: %v", walked)
	}
}

func TestSymlinkLoops(t *testing.T) {
	f := stack(t, []testimage.File{
		symlink("a", "b"), symlink("b", "a"),
		symlink("self", "self"),
		symlink("dir/loop", "../dir/loop/x"),
		symlink("d", "."),
		file("etc/x", "x"),
	})
	for _, p := range []string{"a", "b", "self", "a/x", "self/etc/x", "dir/loop"} {
		start := time.Now()
		_, err := f.Stat(p)
		if !errors.Is(err, ErrLoop) {
			t.Errorf("Stat(%q) = %v; want ErrLoop", p, err)
		}
		if _, _, err := f.ReadFile(p); !errors.Is(err, ErrLoop) {
			t.Errorf("ReadFile(%q) = %v; want ErrLoop", p, err)
		}
		if f.Exists(p) {
			t.Errorf("Exists(%q)", p)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("lookups of %q took %v", p, d)
		}
	}
	// Lstat does not follow the last component.
	if i, err := f.Lstat("self"); err != nil || i.Type != TypeSymlink {
		t.Errorf("Lstat(self) = %+v, %v", i, err)
	}
	// A symlink to "." is not a loop by itself, only in depth.
	wantContent(t, f, "d/d/d/d/etc/x", "x", 0)
	if _, err := f.Stat("d" + strings.Repeat("/d", maxSymlinkHops)); !errors.Is(err, ErrLoop) {
		t.Errorf("Stat(d/d/...) = %v; want ErrLoop after %d links", err, maxSymlinkHops)
	}
	start := time.Now()
	got := f.Glob("d/d/d/*/*/a")
	if d := time.Since(start); d > time.Second {
		t.Errorf("Glob took %v", d)
	}
	if len(got) == 0 {
		t.Errorf("Glob(d/d/d/*/*/a) found nothing")
	}
}

func TestHardlinks(t *testing.T) {
	m := mustMatcher(t, "etc/passwd", "etc/passwd-", "etc/shadow-link", "usr/bin/*")
	blob := testimage.LayerTar(
		file("etc/passwd", "root:x:0:0"),
		hardlink("etc/passwd-", "etc/passwd"),
		hardlink("usr/bin/not-captured-target", "usr/share/big"),
		file("usr/share/big", "not catalogued"),
		hardlink("usr/bin/escape", "../../../etc/passwd"),
		hardlink("usr/bin/abs", "/etc/passwd"),
		hardlink("etc/shadow-link", "etc/shadow"),
	)
	ext := extractBlob(t, blob, m, Limits{})
	byPath := map[string]Entry{}
	for _, e := range ext.Entries {
		byPath[e.Path] = e
	}
	if e := byPath["etc/passwd-"]; e.Type != TypeHardlink || e.Link != "etc/passwd" || !e.Captured || string(e.Data) != "root:x:0:0" || e.Size != 10 {
		t.Errorf("etc/passwd- = %+v; want a hard link carrying the captured content", e)
	}
	wantWarning(t, ext.Warnings, "usr/bin/not-captured-target", "content not read")
	wantWarning(t, ext.Warnings, "usr/bin/escape", "leaves the layer root", "../../../etc/passwd")
	if e := byPath["usr/bin/escape"]; e.Link != "etc/passwd" {
		t.Errorf("usr/bin/escape links to %q; want it confined to etc/passwd", e.Link)
	}
	if e := byPath["usr/bin/abs"]; e.Link != "etc/passwd" || !e.Captured {
		t.Errorf("usr/bin/abs = %+v", e)
	}

	f := Merge(ext)
	for _, p := range []string{"etc/passwd-", "usr/bin/escape", "usr/bin/abs"} {
		wantContent(t, f, p, "root:x:0:0", 0)
		if i, err := f.Lstat(p); err != nil || i.Type != TypeFile || i.Size != 10 {
			t.Errorf("Lstat(%q) = %+v, %v; want a file of 10 bytes", p, i, err)
		}
	}
	// The target of a hard link to a missing file is nowhere: an empty,
	// uncaptured file.
	if _, _, err := f.ReadFile("etc/shadow-link"); !errors.Is(err, ErrNotCaptured) {
		t.Errorf("ReadFile(etc/shadow-link) = %v; want ErrNotCaptured", err)
	}
}

func TestHardlinkToLowerLayer(t *testing.T) {
	f := Merge(
		layer(t, file("usr/lib/os-release", "ID=alpine")),
		extractBlob(t, testimage.LayerTar(
			hardlink("etc/os-release", "usr/lib/os-release"),
			symlink("lib/sym", "../usr/lib/os-release"),
			hardlink("etc/link-to-symlink", "lib/sym"),
		), nil, Limits{}),
	)
	// Uncaptured in its own layer (nil Matcher), the link gets the lower
	// file's content, attributed to the layer that made the link.
	wantContent(t, f, "etc/os-release", "ID=alpine", 1)
	// A hard link to a symbolic link is that symbolic link.
	if i, err := f.Lstat("etc/link-to-symlink"); err != nil || i.Type != TypeSymlink || i.Link != "../usr/lib/os-release" {
		t.Errorf("Lstat(etc/link-to-symlink) = %+v, %v", i, err)
	}
	wantContent(t, f, "etc/link-to-symlink", "ID=alpine", 0)
}

// TestGlobLinkBlowup: 30 links to "." in one directory make "d/*/*/*/*/*/x"
// match 30^5 paths; Glob gives up after a bounded amount of work.
func TestGlobLinkBlowup(t *testing.T) {
	var entries []Entry
	for i := range 30 {
		entries = append(entries, Entry{Path: fmt.Sprintf("d/l%02d", i), Type: TypeSymlink, Link: "."})
	}
	entries = append(entries, Entry{Path: "d/x", Type: TypeFile})
	f := Merge(&Extract{Entries: entries})
	got := f.Glob("d/*/*/*/*/*/x")
	if len(got) == 0 || len(got) > maxGlobVisits*31 {
		t.Errorf("Glob returned %d paths", len(got))
	}
}
