package secret_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/internal/testimage"
)

// within fails if fn takes longer than d.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	if el := time.Since(start); el > d {
		t.Errorf("%s took %v, over %v", what, el, d)
	}
}

// TestHostileText: inputs built to make the rules slow or the output
// large are scanned in bounded time and report at most MaxMatches.
func TestHostileText(t *testing.T) {
	tok := githubToken("p", true)
	big := 40 << 20
	for _, c := range []struct {
		name string
		data []byte
		opts secret.Options
		max  int
	}{
		// 10 million keywords, every one of them scanned (MaxFileSize
		// raised to 40 MiB): the windows merge, the expression runs once.
		{"10M AKIA", bytes.Repeat([]byte("AKIA"), 10_000_000), secret.Options{MaxFileSize: int64(big)}, 0},
		// One line of 8 MiB full of keywords and assignments.
		{"long line", bytes.Repeat([]byte("password=Xy9"), (8<<20)/12), secret.Options{MaxFileSize: 8 << 20}, 0},
		// Thousands of real tokens: reported up to MaxMatches.
		{"many tokens", manyTokens(tok), secret.Options{}, 100},
		// PEM headers without end: each looks 32 KiB ahead at most.
		{"open PEM headers", bytes.Repeat([]byte("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"), 200_000), secret.Options{MaxFileSize: 8 << 20}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ms []secret.Match
			within(t, 20*time.Second, c.name, func() { ms = secret.ScanBytes("/app/x", c.data, c.opts) })
			if len(ms) != c.max {
				t.Errorf("%d matches, want %d", len(ms), c.max)
			}
		})
	}
}

// TestFileSizeBound: only MaxFileSize bytes of a file are scanned, and a
// binary file (a NUL byte in its first 8 KiB) is not scanned at all.
func TestFileSizeBound(t *testing.T) {
	line := []byte("GH_TOKEN=" + githubToken("p", true) + "\n")
	pad := bytes.Repeat([]byte("# padding line\n"), (2<<20)/15)
	if ms := secret.ScanBytes("/a", append(pad, line...), secret.Options{}); len(ms) != 0 {
		t.Errorf("secret after 2 MiB found with the 1 MiB default: %+v", ms)
	}
	if ms := secret.ScanBytes("/a", append(pad, line...), secret.Options{MaxFileSize: 4 << 20}); len(ms) != 1 {
		t.Errorf("secret after 2 MiB not found with a 4 MiB bound: %+v", ms)
	}
	if ms := secret.ScanBytes("/a", append([]byte("\x7fELF\x02\x01\x01\x00"), line...), secret.Options{}); len(ms) != 0 {
		t.Errorf("binary file scanned: %+v", ms)
	}
}

// TestHugeFileInImage: of a 1 GiB text file in a layer only the first
// MaxFileSize bytes are read and scanned (the rest streams past), a gzip
// bomb of text is not decompressed (it is binary), and the scan stays
// fast.
func TestHugeFileInImage(t *testing.T) {
	tok := githubToken("p", true)
	head := bytes.Repeat([]byte("GH_TOKEN="+tok+"\n"), 1000) // text in the sniffed head
	layers := [][]byte{testimage.Gzip(testimage.LayerTar(
		testimage.File{Name: "var/log/huge.log", Body: head, Size: 1 << 30},
		file("app/small.env", "GH_TOKEN="+tok+"\n"),
		testimage.File{Name: "app/bomb.gz", Body: testimage.Gzip(bytes.Repeat([]byte("GH_TOKEN="+tok+"\n"), 1<<16))},
	))}
	archive := testimage.WriteDockerArchive(t, testimage.Image(t, layers, nil), "vigil-test/secret-huge:1")
	within(t, 60*time.Second, "scan", func() {
		inv, sc := scanImage(t, "docker-archive:"+archive, nil, secret.Options{})
		got := describe(sc.findings)
		if len(got) != 2 || !strings.Contains(got[0], "/app/small.env") || !strings.Contains(got[1], "/var/log/huge.log") {
			t.Errorf("findings %v, want /app/small.env and the head of /var/log/huge.log", got)
		}
		if len(inv.Warnings) != 0 {
			t.Errorf("warnings %+v, want none", inv.Warnings)
		}
	})
}

// manyTokens is a file of 10 copies of tok and 5,000 other tokens.
func manyTokens(tok string) []byte {
	b := []byte(strings.Repeat("t="+tok+"\n", 10))
	for range 5000 {
		b = append(b, "x="+githubToken("p", true)+"\n"...)
	}
	return b
}
