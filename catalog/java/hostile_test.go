package java

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/layerfs"
)

// heapPeak samples the in-use heap until stop is called, which returns the
// peak above the heap in use when heapPeak was called (after a GC); the
// same measure as layerfs's tests.
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
		return peak.Load() - base
	}
}

func warned(t *testing.T, msgs []string, parts ...string) {
	t.Helper()
	for _, m := range msgs {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(m, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no warning containing %q in %q", parts, msgs)
}

// rawEntry writes an entry whose header says what the test wants, whatever
// its data: a size it does not have, a method that does not match.
func rawEntry(t testing.TB, w *zip.Writer, name string, data []byte, method uint16, size uint64) {
	t.Helper()
	fw, err := w.CreateRaw(&zip.FileHeader{
		Name: name, Method: method, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(data)), UncompressedSize64: size,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
}

// TestNestedJarBomb: jars nested 12 deep, each with a pom.properties, are
// read 4 levels down, then a warning.
func TestNestedJarBomb(t *testing.T) {
	inner := buildZip(t, "", pomEntry("com.bomb", "level12", "1"))
	for level := 11; level >= 0; level-- {
		inner = buildZip(t, "", pomEntry("com.bomb", fmt.Sprintf("level%d", level), "1"), zipEntry{name: "lib/next.jar", body: inner})
	}
	c := New()
	start := time.Now()
	pkgs, warnings := run(t, c, catalogtest.Layer(t, c, testimage.File{Name: "bomb.jar", Body: inner}))
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if len(pkgs) != 5 {
		t.Errorf("%d packages, want levels 0 to 4", len(pkgs))
	}
	warned(t, warnings, "/bomb.jar: lib/next.jar:lib/next.jar:lib/next.jar:lib/next.jar:lib/next.jar: not read: archives nested deeper than 4 levels")
}

// TestZipBombs: entries that claim huge sizes are refused on their
// headers; one that lies about its size is read only as far as its claim.
func TestZipBombs(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	pom := pomEntry("com.example", "victim", "1.0")
	rawEntry(t, w, pom.name, pom.body, zip.Store, uint64(len(pom.body)))
	// A nested jar and a pom.xml that claim a terabyte each.
	rawEntry(t, w, "WEB-INF/lib/terabyte.jar", []byte("PK\x05\x06"), zip.Store, 1<<40)
	rawEntry(t, w, "META-INF/maven/com.example/victim/pom.xml", []byte("<project/>"), zip.Deflate, 1<<40)
	// A nested jar of 64 MiB of zeros, deflated to 64 KiB, that claims
	// 1 KiB: within the budget, read as 1 KiB, a corrupt zip.
	var bomb bytes.Buffer
	fw, _ := zip.NewWriter(&bomb).CreateHeader(&zip.FileHeader{Name: "x", Method: zip.Deflate})
	zeros := make([]byte, 1<<20)
	for range 64 {
		if _, err := fw.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	deflated := bomb.Bytes()[30+1:] // the deflate stream after the local header of "x"
	rawEntry(t, w, "WEB-INF/lib/liar.jar", deflated, zip.Deflate, 1<<10)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c := New()
	stop := heapPeak()
	start := time.Now()
	pkgs, warnings := run(t, c, catalogtest.Layer(t, c, testimage.File{Name: "srv/bomb.war", Body: buf.Bytes()}))
	elapsed, peak := time.Since(start), stop()
	t.Logf("zip bombs: %v, heap peak %d MiB", elapsed, peak>>20)
	if elapsed > 5*time.Second || peak > 64<<20 {
		t.Errorf("took %v and %d MiB", elapsed, peak>>20)
	}
	if len(pkgs) != 1 || pkgs[0].Name != "com.example:victim" {
		t.Errorf("packages: %+v", pkgs)
	}
	warned(t, warnings, "/srv/bomb.war: WEB-INF/lib/terabyte.jar: not read: its 1099511627776 bytes exceed")
	warned(t, warnings, "/srv/bomb.war: META-INF/maven/com.example/victim/pom.xml: not read: 1099511627776 bytes is over the 1048576-byte limit")
	warned(t, warnings, "/srv/bomb.war: WEB-INF/lib/liar.jar: zip: not a valid zip file")
}

// TestManyEntries: a jar of 50,000 entries is read; a lower entry limit
// refuses it before archive/zip allocates its directory.
func TestManyEntries(t *testing.T) {
	entries := []zipEntry{pomEntry("com.example", "big", "1")}
	for i := range 50_000 {
		entries = append(entries, zipEntry{name: fmt.Sprintf("com/example/C%d.class", i), store: true})
	}
	jar := buildZip(t, "", entries...)
	start := time.Now()
	out, err := Reduce(jar, Limits{})
	t.Logf("50,001 entries (%d bytes): reduced in %v to %d bytes", len(jar), time.Since(start), len(out))
	if err != nil || len(out) > 512 {
		t.Errorf("Reduce = %d bytes, %v", len(out), err)
	}
	c := New(WithLimits(Limits{MaxEntries: 10_000}))
	pkgs, warnings := run(t, c, catalogtest.Layer(t, c, testimage.File{Name: "big.jar", Body: jar}))
	if len(pkgs) != 0 {
		t.Errorf("packages: %+v", pkgs)
	}
	warned(t, warnings, "/big.jar", "50001 entries, over the limit of 10000")
}

// TestCorrupt: broken archives and metadata are warnings naming the file
// and the entry; what can be read still is.
func TestCorrupt(t *testing.T) {
	real := debianJar(t, "jackson-annotations.jar")
	war := buildZip(t, "",
		pomEntry("com.example", "shop", "2.0.0"),
		zipEntry{name: "META-INF/maven/com.example/broken/pom.properties", body: []byte("groupId=com.example\nversion=\\u12")},
		zipEntry{name: "META-INF/maven/com.example/partial/pom.properties", body: []byte("groupId=com.example\n")},
		zipEntry{name: "META-INF/maven/com.example/shop/pom.xml", body: []byte("<project><licenses><license><name>MIT")},
		zipEntry{name: "WEB-INF/lib/truncated.jar", body: real[:len(real)/2]},
		zipEntry{name: "WEB-INF/lib/jackson-annotations.jar", body: real, store: true},
	)
	c := New()
	pkgs, warnings := run(t, c, catalogtest.Layer(t, c,
		testimage.File{Name: "srv/shop.war", Body: war},
		testimage.File{Name: "lib/truncated.jar", Body: real[:len(real)/2]},
		testimage.File{Name: "lib/garbage.jar", Body: append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xff}, 5000)...)},
		testimage.File{Name: "lib/empty.jar", Body: nil},
		testimage.File{Name: "lib/empty-zip.jar", Body: buildZip(t, "")},
	))
	if got := byLocation(pkgs); len(got) != 2 || len(got["/srv/shop.war"]) != 1 || len(got["/srv/shop.war:WEB-INF/lib/jackson-annotations.jar"]) != 1 {
		t.Errorf("packages: %v", got)
	}
	warned(t, warnings, "/srv/shop.war: META-INF/maven/com.example/broken/pom.properties: malformed pom.properties")
	warned(t, warnings, "/srv/shop.war: META-INF/maven/com.example/partial/pom.properties: no artifactId or version")
	warned(t, warnings, "/srv/shop.war: META-INF/maven/com.example/shop/pom.xml: malformed pom.xml")
	warned(t, warnings, "/srv/shop.war: WEB-INF/lib/truncated.jar: zip: not a valid zip file")
	warned(t, warnings, "/lib/truncated.jar: java-archive-v1: zip: not a valid zip file")
	warned(t, warnings, "/lib/garbage.jar: java-archive-v1: zip: not a valid zip file")
	if len(warnings) != 6 {
		t.Errorf("%d warnings: %q", len(warnings), warnings)
	}
}

// bigJar is a jar of size bytes of incompressible classes and a
// pom.properties, stored the way jar tools store already compressed data.
func bigJar(t testing.TB, size int) []byte {
	entries := []zipEntry{manifestEntry("Implementation-Title: big"), pomEntry("com.example", "big", "6.0")}
	chunk := make([]byte, 1<<20)
	for i := 0; i < size>>20; i++ {
		if _, err := rand.Read(chunk); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, zipEntry{name: fmt.Sprintf("com/example/C%d.class", i), body: bytes.Clone(chunk), store: true})
	}
	return buildZip(t, "", entries...)
}

// TestLargeJar: a 60 MB jar is reduced at extraction time to a summary of
// a few hundred bytes; memory is the file's content, which layerfs holds
// while it reduces it, and little more.
func TestLargeJar(t *testing.T) {
	jar := bigJar(t, 60<<20)
	start := time.Now()
	out, err := Reduce(jar, Limits{})
	t.Logf("Reduce of a %d-byte jar: %v, %d bytes kept", len(jar), time.Since(start), len(out))
	if err != nil || len(out) > 512 {
		t.Fatalf("Reduce = %d bytes, %v", len(out), err)
	}

	c := New()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	layer := testimage.LayerTar(testimage.File{Name: "opt/big-6.0.jar", Body: jar})
	jar = nil
	stop := heapPeak()
	start = time.Now()
	ext, err := layerfs.ExtractTar(context.Background(), bytes.NewReader(layer), m, layerfs.ExtractOptions{})
	elapsed, peak := time.Since(start), stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("extraction of the layer: %v, heap peak %d MiB", elapsed, peak>>20)
	if elapsed > 10*time.Second || peak > 100<<20 {
		t.Errorf("extraction took %v and %d MiB", elapsed, peak>>20)
	}
	for _, e := range ext.Entries {
		if e.Captured && len(e.Data) > 512 {
			t.Errorf("%s: %d bytes kept", e.Path, len(e.Data))
		}
	}
	pkgs, warnings := run(t, c, ext)
	if len(pkgs) != 1 || pkgs[0].Name != "com.example:big" || len(warnings) > 0 {
		t.Errorf("packages %+v, warnings %q", pkgs, warnings)
	}
}

// TestOverSizeLimit: a jar over layerfs's file limit is reported once, by
// layerfs.
func TestOverSizeLimit(t *testing.T) {
	c := New()
	ext := catalogtest.Layer(t, c, testimage.File{Name: "huge.jar", Body: []byte("PK\x03\x04"), Size: 65 << 20})
	pkgs, warnings := run(t, c, ext)
	if len(pkgs) != 0 || len(warnings) != 1 {
		t.Errorf("packages %+v, warnings %q", pkgs, warnings)
	}
	warned(t, warnings, "huge.jar: file not read: 68157440 bytes is over the 67108864 byte limit")
}

// TestWholeArchive: an archive captured whole, by a matcher built from
// the patterns alone, is reduced by Catalog.
func TestWholeArchive(t *testing.T) {
	jar := debianJar(t, "slf4j-api.jar")
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		{Path: "a/slf4j-api.jar", Type: layerfs.TypeFile, Size: int64(len(jar)), Data: jar, Captured: true, Matched: true},
	}})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(pkgs) != 1 || pkgs[0].PURL != "pkg:maven/org.slf4j/slf4j-api@1.7.32" || len(warnings) > 0 {
		t.Errorf("packages %+v, warnings %v", pkgs, warnings)
	}
}
