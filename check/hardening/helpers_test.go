package hardening

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/check"
	ti "github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Real hashes, made by libxcrypt in the Debian 12 fixture image
// (chpasswd -c METHOD, or perl's crypt with a fixed salt for bcrypt and
// BSDi), with the password each one hides.
var realHashes = []struct {
	scheme, hash, password string
}{
	{schemeSHA512, `$6$hDKwqgpyQ4RThCtv$BgYIDHvmYMq4nuRuj32uufFRoHfv47j9xeErlJD7Tw61MuR/GGurWwIW1VwcxYVMuMkv8WGbAjYuMXNXx.8SR0`, "password"},
	{schemeSHA256, `$5$eosbCdArJGAL8BhQ$fXpMlgJYdBhPH/iQIWMWFGRoTrJctpXQVEv4OLLwA18`, "password"},
	{schemeMD5, `$1$5wtPTfnE$NjREJbURAmKIgfd45U.c20`, "password"},
	{schemeDES, `CqkaeLJSVcRpI`, "password"},
	{schemeYescrypt, `$y$j9T$akevjavqRDjsf3iDsH/Zr/$Eh/RV4oCAh52wmwQ.mVpn7LiUBu5LIL/j20n57IJeG0`, "password"},
	{schemeYescrypt, `$y$j9T$v0KFObMUetOqZkuzukM.h0$GRPp3zKer0/TtcT8cpaHYvswiYUKwzzFWMq7/X7IBf6`, "letmein"},
	{schemeSHA512, `$6$rounds=200000$sMjndnphu2erwEOr$z3d0fAuIFo9QtwmfwZQhfi7T.r5LikVKh2N9JhSU6vlQepTOfrPkN.sRl./16q1qV7s8BFynPLWw16WRezDPN1`, "dragon"},
	{schemeBcrypt, `$2b$05$CCCCCCCCCCCCCCCCCCCCC.9GuMdBbMtkgkivZZH/38LgkCCKL.vfe`, "monkey"},
	{schemeBcrypt, `$2y$10$7EqJtq98hPqEX7fNZaFWoOMZCpo2T7Nin/yNLk.aixP7I1yQJzIum`, "dragon"},
	{schemeBSDi, `_J9..CCCC8y7XFmGg1t2`, "qwerty"},
	{schemeYescrypt, `$y$jC5$F5Jx5fExrKuJdsdj7Gx3C/$eVnBvxsC2fxf61Zlkqt1g7ooXIE1ltRLAOxr6u5qarA`, "x"},
}

// Hashes of a password that is in no list, made the same way.
const (
	strongYescrypt = `$y$j9T$F5Jx5fExrKuJdsdj7Gx3C/$Db4wut.PXSt9NwFFey5tt3NRKHjYLvJEMJtVbVT0W56`
	strongSHA512   = `$6$strongsaltvalue1$0kyXWf9G.yYpyfAkdiSYVAzrZV/.njL1JMLWA/xSpHOafazWdRuMuVGiiWAYS/14n5GhBd8zZQ.RJvD.WAKfm/`
	strongMD5      = `$1$strongsa$bj3uIvvym0sbXQpGK15Y80`
	strongBcrypt   = `$2b$05$DDDDDDDDDDDDDDDDDDDDD.dwFsRSIuYAf.LQAUB7GlpHJmMe95xjC`
)

// files is a shorthand for a layer's entries.
type files []ti.File

// fsOf extracts each layer with the matcher of Patterns, as a scan does,
// and stacks them.
func fsOf(t testing.TB, layers ...files) *layerfs.FS {
	t.Helper()
	m, err := layerfs.NewMatcher(Patterns...)
	if err != nil {
		t.Fatal(err)
	}
	var exts []*layerfs.Extract
	for _, l := range layers {
		ext, err := layerfs.ExtractTar(context.Background(), bytes.NewReader(ti.LayerTar(l...)), m, layerfs.ExtractOptions{})
		if err != nil {
			t.Fatal(err)
		}
		exts = append(exts, ext)
	}
	return layerfs.Merge(exts...)
}

func file(name, body string) ti.File { return ti.File{Name: name, Body: []byte(body)} }

func fileMode(name, body string, mode int64) ti.File {
	return ti.File{Name: name, Body: []byte(body), Mode: mode}
}

func dir(name string, mode int64) ti.File {
	return ti.File{Name: name, Type: tar.TypeDir, Mode: mode}
}

func symlink(name, target string) ti.File {
	return ti.File{Name: name, Type: tar.TypeSymlink, Linkname: target}
}

// testdata returns testdata/name as a file of the image at p.
func testdataFile(t testing.TB, p, name string) ti.File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return ti.File{Name: p, Body: b}
}

// result is what one Check gave.
type result struct {
	findings []check.Finding
	warnings []inventory.Warning
}

func runCheck(t testing.TB, fsys *layerfs.FS, inv *inventory.Inventory, opts Options) result {
	t.Helper()
	var res result
	opts.Warn = func(w inventory.Warning) { res.warnings = append(res.warnings, w) }
	if opts.PasswordBudget == 0 {
		opts.PasswordBudget = time.Minute
	}
	fs, err := Check(context.Background(), fsys, inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	res.findings = fs
	for _, f := range fs {
		if f.Fingerprint == "" || f.Title == "" || f.Remediation == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	return res
}

// of returns the findings of check id.
func (r result) of(id string) []check.Finding {
	var out []check.Finding
	for _, f := range r.findings {
		if f.CheckID == id {
			out = append(out, f)
		}
	}
	return out
}

// ids lists "ID file:line" of every finding, sorted.
func (r result) ids() []string {
	var out []string
	for _, f := range r.findings {
		out = append(out, fmt.Sprintf("%s %s:%d", f.CheckID, f.Evidence.File, f.Evidence.Line))
	}
	slices.Sort(out)
	return out
}

func (r result) String() string {
	var b strings.Builder
	for _, f := range r.findings {
		fmt.Fprintf(&b, "  %s %s:%d layer %d: %s [%s]\n", f.CheckID, f.Evidence.File, f.Evidence.Line, f.Evidence.Layer, f.Message, f.Evidence.Snippet)
	}
	for _, w := range r.warnings {
		fmt.Fprintf(&b, "  warning %s (layer %d): %s\n", w.Path, w.Layer, w.Message)
	}
	return b.String()
}

// wantIDs fails unless the findings of the checks in only are exactly want
// ("ID file:line"); findings of other checks are ignored.
func wantIDs(t *testing.T, res result, only []string, want ...string) {
	t.Helper()
	var got []string
	for _, id := range res.ids() {
		if slices.Contains(only, strings.Fields(id)[0]) {
			got = append(got, id)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings of %v:\n got %q\nwant %q\nall:\n%s", only, got, want, res)
	}
}

// noSecrets fails if a finding or warning shows one of secrets.
func noSecrets(t *testing.T, res result, secrets ...string) {
	t.Helper()
	for _, f := range res.findings {
		for _, s := range secrets {
			if strings.Contains(f.Message+f.Evidence.Snippet+f.Fingerprint, s) {
				t.Errorf("finding %s shows the secret %q: %s [%s]", f.CheckID, s, f.Message, f.Evidence.Snippet)
			}
		}
	}
	for _, w := range res.warnings {
		for _, s := range secrets {
			if strings.Contains(w.Message, s) {
				t.Errorf("warning shows the secret %q: %s", s, w.Message)
			}
		}
	}
}
