package hardening_test

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/osrelease"
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/hardening"
	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/layerfs"
	"github.com/vigil-dev/vigil/scan"
)

// scanImage reads a docker-archive the way a scan does: the inventory
// from scan.InventoryImage (packages, layers and their build instructions),
// and the merged file system from the same layers, extracted with the
// scan's matcher plus hardening.Patterns, through a layer cache: the
// extracts the check reads are the ones decoded from the cache, so modes
// (setuid, sticky, world-writable) must survive it.
func scanImage(t *testing.T, archive string) (*layerfs.FS, *inventory.Inventory) {
	t.Helper()
	ctx := context.Background()
	img, err := image.Open(ctx, "docker-archive:"+archive, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	inv, err := scan.InventoryImage(ctx, img, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := catalog.Matcher(scan.DefaultCatalogers(t.TempDir()), append(slices.Clone(osrelease.Patterns), hardening.Patterns...)...)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := layercache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	exts := make([]*layerfs.Extract, len(img.Layers))
	var idx []int
	for i := range img.Layers {
		idx = append(idx, i)
	}
	var mu sync.Mutex
	err = img.ReadLayers(ctx, idx, 2, func(i int, blob io.Reader) error {
		ext, err := layerfs.ExtractTar(ctx, blob, m, layerfs.ExtractOptions{})
		if err != nil {
			return err
		}
		if i == image.Unidentified {
			for j, l := range img.Layers {
				if l.DiffID == ext.DiffID {
					i = j
				}
			}
		}
		if i < 0 || ext.DiffID != img.Layers[i].DiffID {
			return fmt.Errorf("layer %d: diffID %s", i, ext.DiffID)
		}
		key, err := layercache.Key(ext.DiffID, m.Key(), layerfs.Limits{})
		if err != nil {
			return err
		}
		if err := cache.Put(key, ext); err != nil {
			return err
		}
		cached, err := cache.Get(key)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for j, l := range img.Layers { // the same layer twice
			if l.DiffID == ext.DiffID {
				exts[j] = cached
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range exts {
		if e == nil {
			t.Fatalf("layer %d not read", i)
		}
	}
	return layerfs.Merge(exts...), inv
}

func checkImage(t *testing.T, archive string, opts hardening.Options) ([]check.Finding, []inventory.Warning, *inventory.Inventory) {
	t.Helper()
	fsys, inv := scanImage(t, archive)
	var warnings []inventory.Warning
	opts.Warn = func(w inventory.Warning) { warnings = append(warnings, w) }
	findings, err := hardening.Check(context.Background(), fsys, inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Logf("%s %s:%d layer %d: %s [%s]", f.CheckID, f.Evidence.File, f.Evidence.Line, f.Evidence.Layer, f.Message, f.Evidence.Snippet)
	}
	for _, w := range warnings {
		t.Logf("warning %s: %s", w.Path, w.Message)
	}
	return findings, warnings, inv
}

// TestHardenedImage: Debian 12 with sudo, libpam-pwquality, a fixed
// login.defs and locked accounts (testdata/images/hardened) gives no
// finding and no warning.
func TestHardenedImage(t *testing.T) {
	findings, warnings, _ := checkImage(t, testenv.Get(t, "VIGIL_TEST_HARDENING_CLEAN_ARCHIVE"), hardening.Options{})
	if len(findings) != 0 || len(warnings) != 0 {
		t.Errorf("%d findings and %d warnings on the hardened image, want none", len(findings), len(warnings))
	}
}

// TestWeakImage: the careless image (testdata/images/weak), built with
// Debian's packages and tools, gives exactly the findings its Dockerfile
// sets up, each in the layer of the RUN line that made it.
func TestWeakImage(t *testing.T) {
	findings, warnings, inv := checkImage(t, testenv.Get(t, "VIGIL_TEST_HARDENING_WEAK_ARCHIVE"), hardening.Options{PasswordBudget: 20 * time.Second})
	// layers: 0 base, 1 apt-get, 2 accounts, 3 login.defs, 4 sshd_config
	// and keys, 5 sudo and modes, 6 credentials
	layerOf := func(prefix string) int {
		for i, l := range inv.Layers {
			if strings.Contains(l.CreatedBy, prefix) {
				return i
			}
		}
		t.Fatalf("no layer made by %q", prefix)
		return -1
	}
	apt, accts, defs := layerOf("apt-get install"), layerOf("chpasswd -c SHA256"), layerOf("PASS_WARN_AGE")
	sshd, modes, creds := layerOf("PermitRootLogin"), layerOf("NOPASSWD"), layerOf("auth.conf.d")
	type want struct {
		id, file string
		layer    int
		msg      string
	}
	wants := []want{
		{"OS-001", "/etc/login.defs", defs, "PASS_MAX_DAYS is 99999"},
		{"OS-002", "/etc/login.defs", defs, "PASS_MIN_DAYS is 0"},
		{"OS-003", "/etc/pam.d/common-password", 0, "pam_unix without minlen"},
		{"OS-004", "/etc/login.defs", defs, "PASS_WARN_AGE is 3"},
		{"OS-005", "/etc/login.defs", defs, "ENCRYPT_METHOD is MD5"},
		{"OS-006", "/etc/shadow", accts, "account gina"},
		{"OS-007", "/etc/shadow", accts, "account root (SHA-256 crypt) is the account's name"},
		{"OS-007", "/etc/shadow", accts, "account alice (SHA-512 crypt)"},
		{"OS-007", "/etc/shadow", accts, "account bob (MD5 crypt)"},
		{"OS-007", "/etc/shadow", accts, "account carol (yescrypt)"},
		{"OS-007", "/etc/shadow", accts, "account frank (bcrypt)"},
		{"OS-008", "/etc/shadow", accts, "account bob is hashed with MD5 crypt"},
		{"OS-008", "/etc/shadow", accts, "account dave is hashed with traditional DES crypt"},
		{"OS-009", "/etc/passwd", accts, "account toor has UID 0"},
		{"OS-011", "/var/lib/dpkg/status", apt, "openssh-server"},
		{"OS-012", "/etc/ssh/sshd_config", sshd, "PermitRootLogin yes"},
		{"OS-013", "/etc/ssh/sshd_config", sshd, "PasswordAuthentication is not set"},
		{"OS-014", "/etc/ssh/sshd_config", sshd, "PermitEmptyPasswords yes"},
		{"OS-015", "/var/lib/dpkg/status", apt, "inetutils-telnetd"},
		{"OS-016", "/var/lib/dpkg/status", apt, "rsh-server"},
		{"OS-017", "/var/lib/dpkg/status", apt, "vsftpd"},
		{"OS-017", "/var/lib/dpkg/status", apt, "tftpd-hpa"},
		{"OS-018", "/etc/ssh/ssh_host_ecdsa_key", apt, ""},
		{"OS-018", "/etc/ssh/ssh_host_ed25519_key", apt, ""},
		{"OS-018", "/etc/ssh/ssh_host_rsa_key", apt, ""},
		{"OS-019", "/root/.ssh/authorized_keys", sshd, "as root"},
		{"OS-020", "/usr/local/bin/rootid", modes, "setuid"},
		{"OS-020", "/usr/local/bin/passwd", modes, "usually at /usr/bin/passwd"},
		{"OS-021", "/opt/sgid-tool", modes, "setgid"},
		{"OS-022", "/etc/app.conf", modes, "mode 0666"},
		{"OS-023", "/srv/shared", modes, "mode 0777"},
		{"OS-024", "/etc/sudoers.d/alice", modes, "alice"},
		{"OS-025", "/etc/apt/auth.conf.d/corp.conf", creds, ""},
		{"OS-026", "/etc/pip.conf", creds, ""},
		{"OS-027", "/etc/yum.repos.d/corp.repo", creds, ""},
		{"OS-028", "/root/.gem/credentials", creds, ""},
		{"OS-029", "/etc/shadow", accts, "mode 0644"},
	}
	// OS-010: every account with a usable password (chpasswd keeps
	// login.defs' 99999)
	for _, u := range []string{"root", "alice", "bob", "carol", "dave", "erin", "frank"} {
		wants = append(wants, want{"OS-010", "/etc/shadow", accts, "account " + u + " "})
	}
	used := make([]bool, len(findings))
	for _, w := range wants {
		found := false
		for i, f := range findings {
			if used[i] || f.CheckID != w.id || f.Evidence.File != w.file || !strings.Contains(f.Message, w.msg) {
				continue
			}
			used[i], found = true, true
			if f.Evidence.Layer != w.layer || f.Evidence.CreatedBy != inv.Layers[w.layer].CreatedBy {
				t.Errorf("%s %s: layer %d (%q), want %d", w.id, w.file, f.Evidence.Layer, f.Evidence.CreatedBy, w.layer)
			}
			break
		}
		if !found {
			t.Errorf("missing %s %s %q", w.id, w.file, w.msg)
		}
	}
	for i, f := range findings {
		if !used[i] {
			t.Errorf("unexpected %s %s:%d: %s", f.CheckID, f.Evidence.File, f.Evidence.Line, f.Message)
		}
	}
	// every check but OS-010's account-by-account set is here at least once
	ids := map[string]bool{}
	for _, f := range findings {
		ids[f.CheckID] = true
	}
	for _, d := range hardening.Definitions() {
		if !ids[d.ID] {
			t.Errorf("the weak image shows no %s (%s)", d.ID, d.Title)
		}
	}
	// nothing secret in the report
	for _, f := range findings {
		for _, s := range []string{"hunter2", "letmein", "123456", "$6$", "$y$", "$2b$", "rubygems_0123", "BEGIN OPENSSH"} {
			if strings.Contains(f.Message+f.Evidence.Snippet, s) {
				t.Errorf("%s shows %q: %s [%s]", f.CheckID, s, f.Message, f.Evidence.Snippet)
			}
		}
	}
	// erin's strong yescrypt password is not found; dave's DES hash has no
	// Go implementation: both are said.
	var said []string
	for _, w := range warnings {
		said = append(said, w.Message)
	}
	all := strings.Join(said, "\n")
	if !strings.Contains(all, "dave: no Go implementation of traditional DES crypt") {
		t.Errorf("DES not reported as not checked:\n%s", all)
	}
	if !strings.Contains(all, "erin (yescrypt): ") {
		t.Errorf("erin's partial guessing not reported:\n%s", all)
	}
}

// TestSSHDConfigAgainstSSHD compares what the check makes of sshd_config
// with what OpenSSH's own sshd -T prints, in the weak image (Debian's
// sshd 9.2), for configurations that exercise first-value-wins, Include
// order and Match blocks, including a Match left open by an included file.
func TestSSHDConfigAgainstSSHD(t *testing.T) {
	ref := testenv.Get(t, "VIGIL_TEST_HARDENING_WEAK_REF")
	cases := []struct {
		name  string
		main  string
		drops map[string]string
	}{
		{"defaults", "", nil},
		{"first value wins", "PasswordAuthentication no\nPasswordAuthentication yes\nPermitRootLogin yes\nPermitRootLogin no\n", nil},
		{"include first", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nPermitEmptyPasswords no\n",
			map[string]string{"20-b.conf": "PasswordAuthentication no\n", "10-a.conf": "PermitEmptyPasswords yes\n"}},
		{"match block", "PermitRootLogin no\nMatch User alice\n  PermitRootLogin yes\n  PasswordAuthentication no\n", nil},
		{"a match block in an included file", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\nPermitRootLogin yes\n",
			map[string]string{"50-match.conf": "Match User bob\n  PermitEmptyPasswords yes\n"}},
		{"an include in a match block", "PasswordAuthentication no\nMatch User alice\n  Include /etc/ssh/sshd_config.d/*.conf\n",
			map[string]string{"50-alice.conf": "PasswordAuthentication yes\nPermitRootLogin yes\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := "set -e; mkdir -p /etc/ssh/sshd_config.d; rm -f /etc/ssh/sshd_config.d/*; printf '%s' \"$MAIN\" > /etc/ssh/sshd_config\n"
			env := []string{"-e", "MAIN=" + c.main}
			i := 0
			for name, body := range c.drops {
				script += fmt.Sprintf("printf '%%s' \"$DROP%d\" > /etc/ssh/sshd_config.d/%s\n", i, name)
				env = append(env, "-e", fmt.Sprintf("DROP%d=%s", i, body))
				i++
			}
			script += "mkdir -p /run/sshd; echo GLOBAL; sshd -T; echo ALICE; sshd -T -C user=alice,host=h,addr=192.0.2.1; echo BOB; sshd -T -C user=bob,host=h,addr=192.0.2.1\n"
			args := append([]string{"run", "--rm", "--network", "none"}, env...)
			args = append(args, ref, "sh", "-c", script)
			out, err := exec.Command("docker", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("sshd -T: %v\n%s", err, out)
			}
			sshdSays := map[string]map[string]string{} // section -> keyword -> value
			section := ""
			for _, l := range strings.Split(string(out), "\n") {
				f := strings.Fields(l)
				switch {
				case len(f) == 1 && (f[0] == "GLOBAL" || f[0] == "ALICE" || f[0] == "BOB"):
					section = f[0]
					sshdSays[section] = map[string]string{}
				case len(f) >= 2 && section != "":
					sshdSays[section][f[0]] = strings.Replace(f[1], "without-password", "prohibit-password", 1)
				}
			}
			files := map[string]string{"etc/ssh/sshd_config": c.main}
			for name, body := range c.drops {
				files["etc/ssh/sshd_config.d/"+name] = body
			}
			global, match := hardening.SSHDEffective(t, files)
			for _, kw := range []string{"permitrootlogin", "passwordauthentication", "permitemptypasswords"} {
				if got, want := global[kw], sshdSays["GLOBAL"][kw]; got != want {
					t.Errorf("global %s: check says %q, sshd -T says %q", kw, got, want)
				}
				// a Match block's value, where sshd -T -C shows one for the user
				for _, who := range []string{"alice", "bob"} {
					sect := strings.ToUpper(who)
					want := sshdSays[sect][kw]
					got := global[kw]
					if v, ok := match["User "+who][kw]; ok {
						got = v
					}
					if got != want {
						t.Errorf("%s %s: check says %q, sshd -T -C says %q", who, kw, got, want)
					}
				}
			}
		})
	}
}

// TestBookwormImage: the debootstrapped Debian 12 minbase, as Debian ships
// it: login.defs's PASS_MAX_DAYS 99999 and PASS_MIN_DAYS 0, and pam_unix's
// minimum of 6; nothing else (every account locked, the usual setuid
// programs, sticky temporary directories).
func TestBookwormImage(t *testing.T) {
	start := time.Now()
	findings, warnings, _ := checkImage(t, testenv.Get(t, "VIGIL_TEST_ARCHIVE"), hardening.Options{})
	t.Logf("scan and check: %s", time.Since(start))
	var got []string
	for _, f := range findings {
		got = append(got, f.CheckID+" "+f.Evidence.File)
	}
	slices.Sort(got)
	want := []string{"OS-001 /etc/login.defs", "OS-002 /etc/login.defs", "OS-003 /etc/pam.d/common-password"}
	if !slices.Equal(got, want) || len(warnings) != 0 {
		t.Errorf("findings %q, want %q; warnings %v", got, want, warnings)
	}
}
