package hardening

import (
	"strings"
	"testing"
)

func TestSudoers(t *testing.T) {
	debian := testdataFile(t, "etc/sudoers", "debian/sudoers")
	tests := []struct {
		name  string
		files files
		want  []string
	}{
		{"Debian", files{debian, file("etc/sudoers.d/README", "# As of Debian version 1.7.2p1-1, the default /etc/sudoers file created on\n")}, nil},
		{"NOPASSWD in sudoers.d", files{debian, file("etc/sudoers.d/app", "app ALL=(ALL) NOPASSWD: ALL\n")}, []string{"OS-024 /etc/sudoers.d/app:1"}},
		{"a tag on a later command", files{debian, file("etc/sudoers.d/ops", "%ops ALL = (root) /usr/bin/id, \\\n   NOPASSWD:/usr/bin/systemctl\n")}, []string{"OS-024 /etc/sudoers.d/ops:1"}},
		{"a UID is no comment", files{debian, file("etc/sudoers.d/uid", "#1000 ALL=(ALL:ALL) NOPASSWD:ALL\n")}, []string{"OS-024 /etc/sudoers.d/uid:1"}},
		{"commented out", files{debian, file("etc/sudoers.d/off", "# app ALL=(ALL) NOPASSWD: ALL\napp ALL=(ALL) ALL # NOPASSWD: ALL\n")}, nil},
		{"!authenticate", files{debian, file("etc/sudoers.d/noauth", "Defaults:app !authenticate\nDefaults env_keep += \"HOME\"\n")}, []string{"OS-024 /etc/sudoers.d/noauth:1"}},
		{"files with a dot or a ~ are skipped", files{debian, file("etc/sudoers.d/app.bak", "app ALL=(ALL) NOPASSWD: ALL\n"), file("etc/sudoers.d/app~", "app ALL=(ALL) NOPASSWD: ALL\n")}, nil},
		{"#include relative to the file", files{file("etc/sudoers", "#include sudoers.d/local.conf\n"), file("etc/sudoers.d/local.conf", "bob ALL=NOPASSWD: /bin/ls\n")},
			[]string{"OS-024 /etc/sudoers.d/local.conf:1"}},
		{"an include outside the captured files", files{file("etc/sudoers", "#include sudoers.local\n"), file("etc/sudoers.local", "bob ALL=NOPASSWD: /bin/ls\n")}, nil},
		{"an alias is no rule", files{file("etc/sudoers", "Cmnd_Alias NOPASSWD_CMDS = /bin/ls\n")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCheck(t, fsOf(t, tt.files), nil, Options{})
			wantIDs(t, res, []string{"OS-024"}, tt.want...)
			// /etc/sudoers.local is outside Patterns: not captured
			if strings.HasPrefix(tt.name, "an include outside") && !warned(res, "was not read") {
				t.Errorf("warnings:\n%s", res)
			}
		})
	}
}

// TestSudoersIncludeLoop: #includedir and #include loops stop with a
// warning.
func TestSudoersIncludeLoop(t *testing.T) {
	fsys := fsOf(t, files{
		file("etc/sudoers", "root ALL=(ALL) ALL\n@includedir /etc/sudoers.d\n"),
		file("etc/sudoers.d/a", "#includedir /etc/sudoers.d\n#include /etc/sudoers\napp ALL=NOPASSWD: ALL\n"),
	})
	res := runCheck(t, fsys, nil, Options{})
	if !warned(res, "sudoers include loop") {
		t.Errorf("no warning:\n%s", res)
	}
	wantIDs(t, res, []string{"OS-024"}, "OS-024 /etc/sudoers.d/a:3")
}
