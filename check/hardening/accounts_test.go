package hardening

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	ti "github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/layerfs"
)

var accountIDs = []string{"OS-006", "OS-007", "OS-008", "OS-009", "OS-010", "OS-029"}

func hashOf(t *testing.T, scheme, password string) string {
	t.Helper()
	for _, h := range realHashes {
		if h.scheme == scheme && h.password == password {
			return h.hash
		}
	}
	t.Fatalf("no real %s hash of %q", scheme, password)
	return ""
}

// TestAccountsDebian: the passwd and shadow of a debootstrapped Debian 12
// have every account locked: nothing to report but the world-readable
// shadow that a plain copy would make (the image keeps 0640).
func TestAccountsDebian(t *testing.T) {
	fsys := fsOf(t, files{
		testdataFile(t, "etc/passwd", "debian/passwd"),
		fileMode("etc/shadow", string(must(t, "debian/shadow")), 0o640),
	})
	res := runCheck(t, fsys, nil, Options{})
	wantIDs(t, res, accountIDs)
	if len(res.warnings) != 0 {
		t.Errorf("warnings:\n%s", res)
	}
}

func TestAccounts(t *testing.T) {
	md5 := hashOf(t, schemeMD5, "password")
	strong := strongSHA512
	passwd := `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
carol:x:1002:1002::/home/carol:/bin/bash
toor:x:0:0:backdoor:/root:/bin/sh
nopw::1003:1003::/home/nopw:/bin/sh
ghost:x:1004:1004::/home/ghost:/bin/sh
erin:x:1005:1005::/home/erin:/bin/sh
frank:x:00:1006::/home/frank:/bin/sh
`
	shadow := `root:*:20000:0:99999:7:::
daemon:*:20000:0:99999:7:::
alice::20000:0:99999:7:::
bob:` + md5 + `:20000:0:99999:7:::
carol:!` + md5 + `:20000:0:99999:7:::
toor:!:20000::::::
erin:` + strong + `:20000:1:90:14:::
frank:` + strongBcrypt + `:20000:1::14:::
`
	fsys := fsOf(t, files{
		file("etc/passwd", passwd),
		fileMode("etc/shadow", shadow, 0o640),
	})
	// the 30 most common passwords: "password" is the 7th
	res := runCheck(t, fsys, nil, Options{Wordlist: CommonPasswords()[:30]})
	wantIDs(t, res, accountIDs,
		"OS-006 /etc/shadow:3",  // alice: empty
		"OS-006 /etc/passwd:7",  // nopw: empty, no shadow entry
		"OS-007 /etc/shadow:4",  // bob: "password"
		"OS-008 /etc/shadow:4",  // bob: MD5
		"OS-010 /etc/shadow:4",  // bob: 99999
		"OS-010 /etc/shadow:8",  // frank: no max
		"OS-009 /etc/passwd:6",  // toor
		"OS-009 /etc/passwd:10", // frank: 00
	)
	noSecrets(t, res, md5, strong, strongBcrypt, "password\"", "$1$5wtPTfnE")
	if f := res.of("OS-007"); len(f) == 1 {
		if !strings.Contains(f[0].Message, "bob") || strings.Contains(f[0].Message, `"password"`) {
			t.Errorf("OS-007 message %q", f[0].Message)
		}
		if f[0].Evidence.Snippet != "bob:<MD5 crypt hash redacted>:20000:0:99999:7:::" {
			t.Errorf("OS-007 snippet %q", f[0].Evidence.Snippet)
		}
	}
	// ghost has no shadow entry and "x": no password matches, no finding.

	res = runCheck(t, fsys, nil, Options{RevealPasswords: true, Wordlist: CommonPasswords()[:30]})
	if f := res.of("OS-007"); len(f) != 1 || !strings.HasSuffix(f[0].Message, `: "password"`) {
		t.Errorf("RevealPasswords:\n%s", res)
	}
}

// TestGuessEveryScheme: each real hash is guessed, or reported as not
// checked (DES and BSDi: no maintained Go implementation), and each legacy
// scheme is reported.
func TestGuessEveryScheme(t *testing.T) {
	var passwd, shadow strings.Builder
	var words []string
	for i, h := range realHashes {
		fmt.Fprintf(&passwd, "u%d:x:%d:%d::/home/u%d:/bin/sh\n", i, 1000+i, 1000+i, i)
		fmt.Fprintf(&shadow, "u%d:%s:20000:1:90:7:::\n", i, h.hash)
		if !slices.Contains(words, h.password) {
			words = append(words, h.password)
		}
	}
	fsys := fsOf(t, files{file("etc/passwd", passwd.String()), fileMode("etc/shadow", shadow.String(), 0o600)})
	res := runCheck(t, fsys, nil, Options{Wordlist: words})
	got := map[int]bool{}
	for _, f := range res.of("OS-007") {
		got[f.Evidence.Line-1] = true
	}
	legacy := map[int]bool{}
	for _, f := range res.of("OS-008") {
		legacy[f.Evidence.Line-1] = true
	}
	for i, h := range realHashes {
		want := h.scheme != schemeDES && h.scheme != schemeBSDi
		if got[i] != want {
			t.Errorf("%s hash of %q: guessed %v, want %v", h.scheme, h.password, got[i], want)
		}
		if legacy[i] != legacySchemes[h.scheme] {
			t.Errorf("%s: legacy finding %v", h.scheme, legacy[i])
		}
	}
	if !warned(res, "no Go implementation of traditional DES crypt") || !warned(res, "no Go implementation of BSDi extended DES") {
		t.Errorf("DES and BSDi not reported as not checked:\n%s", res)
	}
	secrets := []string{}
	for _, h := range realHashes {
		secrets = append(secrets, h.hash)
	}
	noSecrets(t, res, secrets...)
}

// TestGuessAccountName: a password equal to the account's name is found
// before the list is tried.
func TestGuessAccountName(t *testing.T) {
	// $1$saltsalt$... is libxcrypt's MD5 crypt of "abc"
	fsys := fsOf(t, files{
		file("etc/passwd", "abc:x:1000:1000::/home/abc:/bin/sh\n"),
		fileMode("etc/shadow", "abc:$1$saltsalt$7fq7ZEc75157blrz18yX./:20000:1:90:7:::\n", 0o640),
	})
	res := runCheck(t, fsys, nil, Options{Wordlist: []string{}, MaxGuesses: 1})
	if f := res.of("OS-007"); len(f) != 1 || !strings.Contains(f[0].Message, "account's name") {
		t.Errorf("OS-007: %s", res)
	}
}

// TestGuessBudget: a shadow of many slow hashes (yescrypt, Debian's
// default) stops within the time budget and says what it did not try.
func TestGuessBudget(t *testing.T) {
	var passwd, shadow strings.Builder
	for i := range 40 {
		fmt.Fprintf(&passwd, "user%02d:x:%d:%d::/home/u:/bin/sh\n", i, 1000+i, 1000+i)
		fmt.Fprintf(&shadow, "user%02d:%s:20000:1:90:7:::\n", i, strongYescrypt)
	}
	// one bcrypt and one SHA-512 hash that the list guesses early
	fmt.Fprintf(&passwd, "zed:x:2000:2000::/home/z:/bin/sh\nzoe:x:2001:2001::/home/z:/bin/sh\n")
	fmt.Fprintf(&shadow, "zed:%s:20000:1:90:7:::\nzoe:%s:20000:1:90:7:::\n", hashOf(t, schemeBcrypt, "monkey"), hashOf(t, schemeSHA512, "password"))
	fsys := fsOf(t, files{file("etc/passwd", passwd.String()), fileMode("etc/shadow", shadow.String(), 0o640)})
	const budget = 2 * time.Second
	start := time.Now()
	res := runCheck(t, fsys, nil, Options{PasswordBudget: budget, Workers: 2})
	elapsed := time.Since(start)
	// the budget, plus the guesses in flight when it ran out (one per
	// worker, about 0.2 s each)
	if elapsed > budget+3*time.Second {
		t.Errorf("took %s with a budget of %s", elapsed, budget)
	}
	if n := len(res.of("OS-007")); n != 2 {
		t.Errorf("%d accounts guessed, want zed and zoe:\n%s", n, res)
	}
	if !warned(res, "password guessing stopped because the time budget (2s) ran out") || !warned(res, "user00 (yescrypt): ") || !warned(res, "and 30 more") {
		t.Errorf("no warning of what was not tried:\n%s", res)
	}
	t.Logf("%s: %v", elapsed, res.warnings)
}

// TestGuessMaxGuesses: the guess budget is exact, and breadth first.
func TestGuessMaxGuesses(t *testing.T) {
	md5 := hashOf(t, schemeMD5, "password")
	fsys := fsOf(t, files{
		file("etc/passwd", "a:x:1000:1000::/:/bin/sh\nb:x:1001:1001::/:/bin/sh\nc:x:1002:1002::/:/bin/sh\n"),
		fileMode("etc/shadow", "a:"+md5+":1:1:90:7:::\nb:"+md5+":1:1:90:7:::\nc:"+md5+":1:1:90:7:::\n", 0o640),
	})
	// candidates per account: its name, then x, y, password
	res := runCheck(t, fsys, nil, Options{Wordlist: []string{"x", "y", "password"}, MaxGuesses: 11, Workers: 1})
	if n := len(res.of("OS-007")); n != 2 {
		t.Errorf("%d accounts guessed with 11 guesses, want 2 (a and b on the 10th and 11th):\n%s", n, res)
	}
	if !warned(res, "the budget of 11 guesses ran out after 11 guesses") || !warned(res, "c (MD5 crypt): 3 of 4") {
		t.Errorf("warnings:\n%s", res)
	}
}

// TestGuessHostileParameters: hashes whose cost parameters would take
// hours or gigabytes are not tried.
func TestGuessHostileParameters(t *testing.T) {
	salt := "F5Jx5fExrKuJdsdj7Gx3C/"
	hostile := []string{
		"$y$jzz$" + salt + "$" + strings.Repeat("A", 43), // N=2^64
		"$y$jU5$" + salt + "$" + strings.Repeat("A", 43), // N=2^33
		"$y$j9T$" + salt,                    // no hash
		"$2b$31$" + strings.Repeat("C", 53), // cost 31
		"$6$rounds=999999999$salt$" + strings.Repeat("A", 86),
		"$5$rounds=99999999999999999999$salt$" + strings.Repeat("A", 43),
		"$y$j9T$" + strings.Repeat("/", 500) + "$" + strings.Repeat("A", 43),
	}
	var passwd, shadow strings.Builder
	for i, h := range hostile {
		fmt.Fprintf(&passwd, "h%d:x:%d:%d::/:/bin/sh\n", i, 1000+i, 1000+i)
		fmt.Fprintf(&shadow, "h%d:%s:1:1:90:7:::\n", i, h)
	}
	fsys := fsOf(t, files{file("etc/passwd", passwd.String()), fileMode("etc/shadow", shadow.String(), 0o640)})
	start := time.Now()
	res := runCheck(t, fsys, nil, Options{Wordlist: []string{"a", "b"}})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("hostile parameters took %s", d)
	}
	for _, w := range []string{"yescrypt parameters other than", "over the limit"} {
		if !warned(res, w) {
			t.Errorf("no warning %q:\n%s", w, res)
		}
	}
}

// TestShadow100kUsers: a shadow of 100,000 accounts is read and checked
// in bounded time, the guesses bounded by the budget.
func TestShadow100kUsers(t *testing.T) {
	var passwd, shadow strings.Builder
	md5 := hashOf(t, schemeMD5, "password")
	for i := range 100_000 {
		h := "*"
		if i%1000 == 0 {
			h = md5
		}
		fmt.Fprintf(&passwd, "user%d:x:%d:%d::/home/user%d:/bin/sh\n", i, 1000+i, 1000+i, i)
		fmt.Fprintf(&shadow, "user%d:%s:20000:1:90:7:::\n", i, h)
	}
	fsys := fsOf(t, files{file("etc/passwd", passwd.String()), fileMode("etc/shadow", shadow.String(), 0o640)})
	start := time.Now()
	res := runCheck(t, fsys, nil, Options{PasswordBudget: 5 * time.Second})
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("100,000 accounts took %s", d)
	}
	if n := len(res.of("OS-007")); n != 100 {
		t.Errorf("%d accounts guessed, want 100", n)
	}
	if n := len(res.of("OS-008")); n != 100 {
		t.Errorf("%d legacy hashes, want 100", n)
	}
}

// TestShadowTooLarge: a 1 GB /etc/shadow is over the capture limit: not
// read, and a warning says so.
func TestShadowTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("streams a 1 GB layer")
	}
	m, err := layerfs.NewMatcher(Patterns...)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(ti.WriteLayerTar(pw,
			ti.File{Name: "etc/passwd", Body: []byte("root:x:0:0::/root:/bin/sh\n")},
			ti.File{Name: "etc/shadow", Body: []byte("root::1:1:90:7:::\n"), Size: 1 << 30, Mode: 0o640},
		))
	}()
	ext, err := layerfs.ExtractTar(context.Background(), pr, m, layerfs.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res := runCheck(t, layerfs.Merge(ext), nil, Options{})
	if !warned(res, "(1073741824 bytes) was not read") {
		t.Errorf("no warning for the 1 GB shadow:\n%s", res)
	}
	wantIDs(t, res, accountIDs)
}

func TestAccountFilePerms(t *testing.T) {
	fsys := fsOf(t, files{
		fileMode("etc/shadow", "root:*:1:::::\n", 0o644),
		fileMode("etc/gshadow", "root:*::\n", 0o640),
		fileMode("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o664),
		fileMode("etc/group", "root:x:0:\n", 0o644),
	})
	wantIDs(t, runCheck(t, fsys, nil, Options{}), []string{"OS-029"}, "OS-029 /etc/shadow:0", "OS-029 /etc/passwd:0")
}

func must(t *testing.T, name string) []byte {
	t.Helper()
	f := testdataFile(t, "x", name)
	return f.Body
}
