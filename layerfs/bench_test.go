package layerfs

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-dev/vigil/internal/testimage"
)

// benchFiles returns n files shaped like a Debian image: documentation,
// shared libraries, dpkg's database.
func benchFiles(n int, prefix string) []testimage.File {
	files := []testimage.File{file("var/lib/dpkg/status", strings.Repeat("Package: x\nVersion: 1.0\nStatus: install ok installed\n\n", 5000))}
	doc := []byte(strings.Repeat("Copyright and license text. ", 40))
	for i := range n - 1 {
		var f testimage.File
		switch i % 4 {
		case 0:
			f = file(fmt.Sprintf("%susr/share/doc/pkg%05d/copyright", prefix, i), string(doc))
		case 1:
			f = testimage.File{Name: fmt.Sprintf("%susr/lib/x86_64-linux-gnu/lib%05d.so.1", prefix, i), Body: bytes.Repeat([]byte{byte(i)}, 4096)}
		case 2:
			f = file(fmt.Sprintf("%svar/lib/dpkg/info/pkg%05d.list", prefix, i), fmt.Sprintf("/usr/share/doc/pkg%05d\n", i-2))
		case 3:
			f = symlink(fmt.Sprintf("%susr/lib/x86_64-linux-gnu/lib%05d.so", prefix, i), fmt.Sprintf("lib%05d.so.1", i-2))
		}
		files = append(files, f)
	}
	return files
}

var benchMatcher = sync.OnceValue(func() *Matcher {
	m, err := NewMatcher("var/lib/dpkg/status", "var/lib/dpkg/info/*.list", "lib/apk/db/installed", "**/package.json", "**/*.jar", "usr/lib/os-release", "etc/os-release")
	if err != nil {
		panic(err)
	}
	return m
})

func BenchmarkExtractTar(b *testing.B) {
	tarball := testimage.LayerTar(benchFiles(20_000, "")...)
	blob := testimage.Gzip(tarball)
	m := benchMatcher()
	b.SetBytes(int64(len(tarball)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ext, err := ExtractTar(context.Background(), bytes.NewReader(blob), m, ExtractOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(ext.Entries) != 20_000 {
			b.Fatalf("%d entries", len(ext.Entries))
		}
	}
}

func BenchmarkMerge(b *testing.B) {
	m := benchMatcher()
	base := extractBlob(b, testimage.LayerTar(benchFiles(20_000, "")...), m, Limits{})
	second := extractBlob(b, testimage.LayerTar(append(benchFiles(5_000, "opt/"),
		file("usr/share/doc/.wh.pkg00000", ""), file("var/lib/dpkg/info/.wh..wh..opq", ""),
		file("var/lib/dpkg/status", "Package: y\n"))...), m, Limits{})
	third := extractBlob(b, testimage.LayerTar(file("usr/lib/.wh..wh..opq", ""), file("usr/lib/os-release", "ID=bench\n")), m, Limits{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f := Merge(base, second, third)
		if _, _, err := f.ReadFile("var/lib/dpkg/status"); err != nil {
			b.Fatal(err)
		}
	}
}
