package layerfs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-dev/vigil/internal/testimage"
)

// TestTracked: files deleted by a whiteout, hidden by an opaque directory
// or replaced by a file that is not captured are still listed, with their
// history; a file never captured is not.
func TestTracked(t *testing.T) {
	m := mustMatcher(t, "etc/*", "app/*", "app/conf/*")
	mk := func(files ...testimage.File) *Extract {
		return extractBlob(t, testimage.LayerTar(files...), m, Limits{MaxFileSize: 50})
	}
	f := Merge(
		mk(file("etc/a", "1"), file("etc/b", "2"), file("app/conf/c", "3"), file("usr/x", "not matched")),
		mk(testimage.File{Name: "etc/.wh.a"}, testimage.File{Name: "app/conf/.wh..wh..opq"}),
		mk(testimage.File{Name: "etc/b", Size: 100, Body: []byte("big")}),
	)
	if got, want := f.Tracked(), []string{"app/conf/c", "etc/a", "etc/b"}; !cmp.Equal(got, want) {
		t.Fatalf("Tracked() = %v, want %v", got, want)
	}
	if f.Exists("etc/a") || f.Exists("app/conf/c") {
		t.Fatal("deleted files still in the view")
	}
	for p, want := range map[string][]Version{
		"etc/a":      {{Layer: 0, Data: []byte("1")}, {Layer: 1, Deleted: true}},
		"app/conf/c": {{Layer: 0, Data: []byte("3")}, {Layer: 1, Deleted: true}},
		// Replaced by a file over the size limit: not captured.
		"etc/b": {{Layer: 0, Data: []byte("2")}, {Layer: 2, Deleted: true}},
	} {
		if got := f.History(p); !cmp.Equal(got, want) {
			t.Errorf("History(%s) = %v, want %v", p, got, want)
		}
	}
}
