package layerfs

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-dev/vigil/internal/testimage"
)

// all captures every regular file.
var all = func() *Matcher {
	m, err := NewMatcher("**/*")
	if err != nil {
		panic(err)
	}
	return m
}()

func mustMatcher(t testing.TB, patterns ...string) *Matcher {
	t.Helper()
	m, err := NewMatcher(patterns...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func extractBlob(t testing.TB, blob []byte, m *Matcher, lim Limits) *Extract {
	t.Helper()
	ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), m, ExtractOptions{Limits: lim})
	if err != nil {
		t.Fatalf("ExtractTar: %v", err)
	}
	return ext
}

// layer extracts a layer tar of files, capturing every file.
func layer(t testing.TB, files ...testimage.File) *Extract {
	t.Helper()
	return extractBlob(t, testimage.LayerTar(files...), all, Limits{})
}

// stack merges one layer per element of layers, bottom first.
func stack(t testing.TB, layers ...[]testimage.File) *FS {
	t.Helper()
	exts := make([]*Extract, len(layers))
	for i, files := range layers {
		exts[i] = layer(t, files...)
	}
	return Merge(exts...)
}

func file(name, body string) testimage.File {
	return testimage.File{Name: name, Body: []byte(body)}
}

func dir(name string) testimage.File {
	return testimage.File{Name: name, Type: '5'}
}

func symlink(name, target string) testimage.File {
	return testimage.File{Name: name, Type: '2', Linkname: target}
}

func hardlink(name, target string) testimage.File {
	return testimage.File{Name: name, Type: '1', Linkname: target}
}

// paths lists the merged view as "path type layer" lines, for comparisons.
func paths(t testing.TB, f *FS) []string {
	t.Helper()
	var out []string
	err := f.Walk(func(i Info) error {
		s := i.Path + " " + i.Type.String()
		if i.Type == TypeSymlink {
			s += " -> " + i.Link
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantContent(t testing.TB, f *FS, p, body string, layer int) {
	t.Helper()
	got, l, err := f.ReadFile(p)
	if err != nil {
		t.Errorf("ReadFile(%q): %v", p, err)
		return
	}
	if string(got) != body || l != layer {
		t.Errorf("ReadFile(%q) = %q from layer %d; want %q from layer %d", p, got, l, body, layer)
	}
}

func wantNotExist(t testing.TB, f *FS, p string) {
	t.Helper()
	if i, err := f.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lstat(%q) = %+v, %v; want ErrNotExist", p, i, err)
	}
	if f.Exists(p) {
		t.Errorf("Exists(%q) = true", p)
	}
}

func wantDiff(t testing.TB, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// wantWarning checks that some warning has path p (when p is not empty)
// and a message holding every one of words.
func wantWarning(t testing.TB, ws []Warning, p string, words ...string) {
	t.Helper()
	for _, w := range ws {
		if p != "" && w.Path != p {
			continue
		}
		ok := true
		for _, word := range words {
			ok = ok && strings.Contains(w.Message, word)
		}
		if ok {
			return
		}
	}
	t.Errorf("no warning for %q containing %q; warnings: %+v", p, words, ws)
}

// heapPeak samples the in-use heap until stop is called, which returns the
// peak above the heap in use when heapPeak was called (after a GC).
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	peak.Store(base)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if p := peak.Load(); p > base {
			return p - base
		}
		return 0
	}
}
