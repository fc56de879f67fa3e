package hardening

import (
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/inventory"
)

var sshIDs = []string{"OS-011", "OS-012", "OS-013", "OS-014"}

func invWith(pkgs ...inventory.Package) *inventory.Inventory {
	return &inventory.Inventory{
		Layers:   []inventory.Layer{{Index: 0, CreatedBy: "ADD rootfs.tar /"}, {Index: 1, CreatedBy: "RUN apt-get install -y openssh-server"}},
		Packages: pkgs,
	}
}

func deb(name string, layer int, files ...string) inventory.Package {
	return inventory.Package{Name: name, Version: "1.0", Type: inventory.TypeDeb, Layer: layer, Locations: []string{"/var/lib/dpkg/status"}, Files: files}
}

var sshdBinary = fileMode("usr/sbin/sshd", "\x7fELF", 0o755)

// TestSSHDDebian: openssh-server installed with Debian's sshd_config:
// PasswordAuthentication is commented out, so sshd's default (yes)
// applies; PermitRootLogin's default is prohibit-password.
func TestSSHDDebian(t *testing.T) {
	fsys := fsOf(t, files{dir("etc/ssh/sshd_config.d", 0o755)}, files{
		sshdBinary,
		testdataFile(t, "etc/ssh/sshd_config", "debian/sshd_config"),
		symlink("etc/systemd/system/multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service"),
		symlink("etc/systemd/system/sshd.service", "/lib/systemd/system/ssh.service"),
		symlink("etc/rc2.d/S01ssh", "../init.d/ssh"),
	})
	res := runCheck(t, fsys, invWith(deb("openssh-server", 1, "/usr/sbin/sshd")), Options{})
	wantIDs(t, res, sshIDs, "OS-011 /var/lib/dpkg/status:0", "OS-013 /etc/ssh/sshd_config:0")
	f := res.of("OS-011")[0]
	if !strings.Contains(f.Message, "enabled at boot by /etc/rc2.d/S01ssh, /etc/systemd/system/multi-user.target.wants/ssh.service") {
		t.Errorf("OS-011 message %q", f.Message)
	}
	if f.Evidence.Layer != 1 || f.Evidence.CreatedBy != "RUN apt-get install -y openssh-server" {
		t.Errorf("OS-011 evidence %+v", f.Evidence)
	}
	if f := res.of("OS-013")[0]; f.Evidence.Layer != 1 || !strings.Contains(f.Message, "default is yes") {
		t.Errorf("OS-013 %+v", f)
	}
}

func TestSSHDConfig(t *testing.T) {
	inv := invWith(deb("openssh-server", 0, "/usr/sbin/sshd"))
	pwNo := "PasswordAuthentication no\n"
	tests := []struct {
		name  string
		files files
		want  []string
	}{
		{"hardened", files{file("etc/ssh/sshd_config", "PermitRootLogin no\n"+pwNo+"PermitEmptyPasswords no\n")}, []string{"OS-011 /var/lib/dpkg/status:0"}},
		{"all bad", files{file("etc/ssh/sshd_config", "permitrootlogin YES\nPasswordAuthentication=yes\nPermitEmptyPasswords \"yes\"\n")},
			[]string{"OS-011 /var/lib/dpkg/status:0", "OS-012 /etc/ssh/sshd_config:1", "OS-013 /etc/ssh/sshd_config:2", "OS-014 /etc/ssh/sshd_config:3"}},
		{"the first value wins", files{file("etc/ssh/sshd_config", pwNo+"PasswordAuthentication yes\nPermitRootLogin without-password\nPermitRootLogin yes\n")},
			[]string{"OS-011 /var/lib/dpkg/status:0"}},
		{"an include before the setting wins", files{
			file("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n"),
			file("etc/ssh/sshd_config.d/50-cloud.conf", "PasswordAuthentication yes\n"),
			file("etc/ssh/sshd_config.d/10-site.conf", "# nothing\n"),
		}, []string{"OS-011 /var/lib/dpkg/status:0", "OS-013 /etc/ssh/sshd_config.d/50-cloud.conf:1"}},
		{"includes in lexical order, relative to /etc/ssh", files{
			file("etc/ssh/sshd_config", "Include sshd_config.d/*.conf\nPasswordAuthentication yes\n"),
			file("etc/ssh/sshd_config.d/90-late.conf", "PasswordAuthentication yes\n"),
			file("etc/ssh/sshd_config.d/10-early.conf", "PasswordAuthentication no\n"),
		}, []string{"OS-011 /var/lib/dpkg/status:0"}},
		{"a comment after the value", files{file("etc/ssh/sshd_config", "PasswordAuthentication no # keys only\n")}, []string{"OS-011 /var/lib/dpkg/status:0"}},
		{"Match blocks do not set the global value", files{file("etc/ssh/sshd_config", "Match User admin\n  PasswordAuthentication no\n")},
			[]string{"OS-011 /var/lib/dpkg/status:0", "OS-013 /etc/ssh/sshd_config:0"}},
		{"a Match block that allows root", files{file("etc/ssh/sshd_config", pwNo+"Match Address 10.0.0.0/8\n  PermitRootLogin yes\n  PermitRootLogin no\nMatch all\n  PasswordAuthentication yes\n")},
			[]string{"OS-011 /var/lib/dpkg/status:0", "OS-012 /etc/ssh/sshd_config:3", "OS-013 /etc/ssh/sshd_config:6"}},
		{"a Match in an included file ends with the file", files{
			file("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n"),
			file("etc/ssh/sshd_config.d/x.conf", "Match User bob\n PermitRootLogin yes\n"),
		}, []string{"OS-011 /var/lib/dpkg/status:0", "OS-012 /etc/ssh/sshd_config.d/x.conf:2"}},
		{"an Include inside a Match block", files{
			file("etc/ssh/sshd_config", "PasswordAuthentication no\nMatch Group ops\n Include /etc/ssh/sshd_config.d/*.conf\n"),
			file("etc/ssh/sshd_config.d/x.conf", "PermitEmptyPasswords yes\n"),
		}, []string{"OS-011 /var/lib/dpkg/status:0", "OS-014 /etc/ssh/sshd_config.d/x.conf:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCheck(t, fsOf(t, tt.files), inv, Options{})
			wantIDs(t, res, sshIDs, tt.want...)
		})
	}
}

// TestSSHDIncludeLoop: a configuration that includes itself, or a chain
// deeper than sshd allows, stops with a warning.
func TestSSHDIncludeLoop(t *testing.T) {
	fsys := fsOf(t, files{
		sshdBinary,
		file("etc/ssh/sshd_config", "Include sshd_config.d/*.conf\nPermitRootLogin yes\n"),
		file("etc/ssh/sshd_config.d/a.conf", "Include /etc/ssh/sshd_config.d/b.conf\n"),
		file("etc/ssh/sshd_config.d/b.conf", "Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config.d/*\n"),
	})
	res := runCheck(t, fsys, nil, Options{})
	if !warned(res, "Include loop") {
		t.Errorf("no warning:\n%s", res)
	}
	wantIDs(t, res, sshIDs, "OS-011 /usr/sbin/sshd:0", "OS-012 /etc/ssh/sshd_config:2", "OS-013 /etc/ssh/sshd_config:0")
}

// TestSSHDNotInstalled: an sshd_config without sshd is not evaluated; the
// host keys are still reported.
func TestSSHDNotInstalled(t *testing.T) {
	fsys := fsOf(t, files{
		file("etc/ssh/sshd_config", "PermitRootLogin yes\n"),
		fileMode("etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0o600),
		file("etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA\n"),
		fileMode("etc/ssh/ssh_host_rsa_key", "", 0o600),
	})
	res := runCheck(t, fsys, nil, Options{})
	wantIDs(t, res, append(sshIDs, "OS-018"), "OS-018 /etc/ssh/ssh_host_ed25519_key:0")
	noSecrets(t, res, "BEGIN OPENSSH")
}

func TestAuthorizedKeys(t *testing.T) {
	passwd := file("etc/passwd", "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nsvc:x:999:999::/var/lib/svc:/usr/sbin/nologin\n")
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests alice@laptop\n"
	tests := []struct {
		name  string
		files files
		want  []string
	}{
		{"none", files{passwd}, nil},
		{"root and a user", files{passwd, file("root/.ssh/authorized_keys", key), file("home/alice/.ssh/authorized_keys2", key), file("home/alice/.ssh/authorized_keys", "")},
			[]string{"OS-019 /root/.ssh/authorized_keys:0", "OS-019 /home/alice/.ssh/authorized_keys2:0"}},
		{"a home from /etc/passwd", files{passwd, file("var/lib/svc/.ssh/authorized_keys", key)}, []string{"OS-019 /var/lib/svc/.ssh/authorized_keys:0"}},
		{"AuthorizedKeysFile", files{passwd, sshdBinary, file("etc/ssh/sshd_config", "AuthorizedKeysFile /etc/ssh/keys/%u .ssh/other\n"),
			file("etc/ssh/keys/alice", key), file("root/.ssh/authorized_keys", key), file("home/alice/.ssh/other", key)},
			[]string{"OS-019 /etc/ssh/keys/alice:0", "OS-019 /home/alice/.ssh/other:0"}},
		{"no passwd: root's", files{file("root/.ssh/authorized_keys", key)}, []string{"OS-019 /root/.ssh/authorized_keys:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantIDs(t, runCheck(t, fsOf(t, tt.files), nil, Options{}), []string{"OS-019"}, tt.want...)
		})
	}
}

func TestServers(t *testing.T) {
	inv := invWith(deb("telnetd", 1, "/usr/sbin/in.telnetd"), deb("rsh-server", 1), deb("vsftpd", 1), deb("tftpd-hpa", 1), deb("telnet", 1), deb("openssh-client", 1),
		inventory.Package{Name: "dropbear", Version: "2024.86-r0", Type: inventory.TypeApk, Layer: 0, Locations: []string{"/lib/apk/db/installed"}})
	fsys := fsOf(t, files{
		fileMode("usr/sbin/in.telnetd", "\x7fELF", 0o755),
		fileMode("usr/sbin/proftpd", "\x7fELF", 0o755), // copied in, no package
		symlink("etc/systemd/system/multi-user.target.wants/vsftpd.service", "/lib/systemd/system/vsftpd.service"),
	})
	res := runCheck(t, fsys, inv, Options{})
	wantIDs(t, res, []string{"OS-011", "OS-015", "OS-016", "OS-017"},
		"OS-011 /lib/apk/db/installed:0",
		"OS-015 /var/lib/dpkg/status:0", "OS-016 /var/lib/dpkg/status:0",
		"OS-017 /var/lib/dpkg/status:0", "OS-017 /var/lib/dpkg/status:0", "OS-017 /usr/sbin/proftpd:0")
	for _, f := range res.of("OS-017") {
		if strings.Contains(f.Message, "vsftpd") && !strings.Contains(f.Message, "enabled at boot by /etc/systemd/system/multi-user.target.wants/vsftpd.service") {
			t.Errorf("vsftpd enabled not said: %q", f.Message)
		}
	}
}

// TestSSHDUsrMerge: on a merged /usr, /sbin/sshd is /usr/sbin/sshd: one
// finding.
func TestSSHDUsrMerge(t *testing.T) {
	fsys := fsOf(t, files{symlink("sbin", "usr/sbin"), sshdBinary})
	wantIDs(t, runCheck(t, fsys, nil, Options{}), []string{"OS-011"}, "OS-011 /usr/sbin/sshd:0")
}
