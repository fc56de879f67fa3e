package hardening

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/testenv"
)

func TestSetID(t *testing.T) {
	fsys := fsOf(t, files{
		dir("usr/bin", 0o755),
		fileMode("usr/bin/passwd", "x", 0o4755),
		fileMode("usr/bin/chage", "x", 0o2755),
		fileMode("usr/bin/expiry", "x", 0o6755),       // setuid too: more than usual
		fileMode("bin/su", "x", 0o4755),               // unmerged /usr: its usual place
		fileMode("usr/local/bin/passwd", "x", 0o4755), // a known program elsewhere
		fileMode("opt/app/helper", "x", 0o4711),       // unknown
		fileMode("usr/bin/write.ul", "x", 0o2755),     // unknown setgid
		fileMode("usr/lib/aarch64-linux-gnu/utempter/utempter", "x", 0o2755),
		dir("var/mail", 0o2775), // a setgid directory
		fileMode("usr/bin/ls", "x", 0o755),
	})
	res := runCheck(t, fsys, nil, Options{})
	wantIDs(t, res, []string{"OS-020", "OS-021"},
		"OS-020 /usr/bin/expiry:0", "OS-020 /usr/local/bin/passwd:0", "OS-020 /opt/app/helper:0", "OS-021 /usr/bin/write.ul:0")
	for _, f := range res.of("OS-020") {
		if f.Evidence.File == "/usr/local/bin/passwd" && !strings.Contains(f.Message, "usually at /usr/bin/passwd (passwd)") {
			t.Errorf("message %q", f.Message)
		}
	}
}

func TestWorldWritable(t *testing.T) {
	fsys := fsOf(t, files{
		dir("tmp", 0o1777),
		dir("var/tmp", 0o1777),
		dir("run/lock", 0o1777),
		fileMode("tmp/scratch", "x", 0o666),
		dir("tmp/.X11-unix", 0o1777),
		dir("var/www/uploads", 0o777),
		dir("srv/share", 0o1777),
		fileMode("etc/app.conf", "x", 0o666),
		fileMode("usr/local/bin/tool", "x", 0o757),
		symlink("etc/alternatives/x", "/usr/bin/x"),
		fileMode("etc/ok.conf", "x", 0o664),
	}, files{
		dir("var/tmp", 0o777), // a later layer drops the sticky bit
	})
	wantIDs(t, runCheck(t, fsys, nil, Options{}), []string{"OS-022", "OS-023"},
		"OS-022 /etc/app.conf:0", "OS-022 /usr/local/bin/tool:0",
		"OS-023 /var/www/uploads:0", "OS-023 /srv/share:0", "OS-023 /var/tmp:0")
}

// TestBaselineFromRealData: every setuid and setgid file of the
// debootstrapped Debian 12 minbase (VIGIL_TEST_ROOTFS), and of the two
// package runs setid.txt was derived from (testdata/setid-run*.txt), is in
// the baseline: a Debian image gives no OS-020 or OS-021 for them.
func TestBaselineFromRealData(t *testing.T) {
	check := func(where, p string, mode os.FileMode) {
		var bits int64
		if mode&os.ModeSetuid != 0 {
			bits |= modeSetuid
		}
		if mode&os.ModeSetgid != 0 {
			bits |= modeSetgid
		}
		if usual, _ := usualSetid(p, bits); !usual {
			t.Errorf("%s: /%s (%v) is not in setid.txt", where, p, mode)
		}
	}
	for _, run := range []string{"testdata/setid-run1.txt", "testdata/setid-run2.txt"} {
		f, err := os.Open(run)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fl := strings.Fields(sc.Text()) // "4755 root:root /usr/bin/passwd"
			if len(fl) != 3 {
				continue
			}
			var mode os.FileMode
			if strings.HasPrefix(fl[0], "4") || strings.HasPrefix(fl[0], "6") {
				mode |= os.ModeSetuid
			}
			if strings.HasPrefix(fl[0], "2") || strings.HasPrefix(fl[0], "6") {
				mode |= os.ModeSetgid
			}
			check(run, strings.TrimPrefix(fl[2], "/"), mode)
		}
		f.Close()
	}

	root := testenv.Get(t, "VIGIL_TEST_ROOTFS")
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
			rel, _ := filepath.Rel(root, p)
			check("rootfs", filepath.ToSlash(rel), info.Mode())
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d setuid/setgid files in %s", n, root)
	}
}

// TestModeFindingsBounded: an image that makes a whole tree world-writable
// and setuid gets 200 findings of each check and a warning, not 10,000.
func TestModeFindingsBounded(t *testing.T) {
	var fl files
	for i := range 10_000 {
		fl = append(fl, fileMode("srv/data/f"+strconv.Itoa(i), "", 0o4777))
	}
	res := runCheck(t, fsOf(t, fl), nil, Options{})
	if len(res.of("OS-020")) != maxModeFindings || len(res.of("OS-022")) != maxModeFindings {
		t.Errorf("%d setuid and %d world-writable findings", len(res.of("OS-020")), len(res.of("OS-022")))
	}
	if !warned(res, "10000 unexpected setuid/setgid files") || !warned(res, "10000 world-writable files") {
		t.Errorf("warnings: %v", res.warnings)
	}
}
