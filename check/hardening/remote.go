package hardening

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// server is a kind of remote login server: the packages that install it
// (any package type: the names are those of Debian, Alpine and Fedora/RHEL)
// and the binaries that run it.
type server struct {
	def      *check.Definition
	what     string
	packages []string
	binaries []string
	units    []string // systemd units and SysV script names that start it
	inetd    []string // inetd.conf service names
}

var servers = []server{
	{defSSHServer, "an SSH server",
		[]string{"openssh-server", "dropbear", "dropbear-bin", "dropbear-run", "tinysshd", "openssh-server-pam"},
		[]string{"usr/sbin/sshd", "usr/sbin/dropbear", "usr/bin/dropbear", "usr/sbin/tinysshd"},
		[]string{"ssh", "sshd", "dropbear", "tinysshd"}, []string{"ssh"}},
	{defTelnet, "a telnet server",
		[]string{"telnetd", "inetutils-telnetd", "telnetd-ssl", "telnet-server", "busybox-extras"},
		[]string{"usr/sbin/in.telnetd", "usr/sbin/telnetd", "usr/libexec/telnetd"},
		[]string{"telnet", "telnetd", "telnet.socket"}, []string{"telnet", "telnets"}},
	{defRsh, "an rsh/rlogin/rexec server",
		[]string{"rsh-server", "rsh-redone-server", "inetutils-rshd", "inetutils-rlogind", "inetutils-rexecd"},
		[]string{"usr/sbin/in.rshd", "usr/sbin/in.rlogind", "usr/sbin/in.rexecd", "usr/sbin/rshd", "usr/sbin/rlogind", "usr/sbin/rexecd"},
		[]string{"rsh.socket", "rlogin.socket", "rexec.socket"}, []string{"shell", "login", "exec"}},
	{defFTP, "an FTP or TFTP server",
		[]string{"vsftpd", "proftpd", "proftpd-basic", "proftpd-core", "pure-ftpd", "pure-ftpd-common", "pure-ftpd-mysql", "pure-ftpd-postgresql", "pure-ftpd-ldap",
			"inetutils-ftpd", "ftpd", "ftpd-ssl", "tnftpd", "bftpd", "twoftpd", "tftpd-hpa", "tftpd", "atftpd", "tftp-server", "tftp-hpa"},
		[]string{"usr/sbin/vsftpd", "usr/sbin/proftpd", "usr/sbin/pure-ftpd", "usr/sbin/in.ftpd", "usr/sbin/ftpd", "usr/sbin/in.tftpd", "usr/sbin/atftpd", "usr/sbin/bftpd"},
		[]string{"vsftpd", "proftpd", "pure-ftpd", "tftpd-hpa", "atftpd", "tftp.socket"}, []string{"ftp", "ftps", "tftp"}},
}

// checkRemoteLogin: OS-011 to OS-019.
func (r *run) checkRemoteLogin() {
	r.sshd, _ = r.loadSSHD()
	sshd := false
	for _, s := range servers {
		found := r.checkServer(s)
		if s.def == defSSHServer && found {
			sshd = true
		}
	}
	if sshd {
		r.checkSSHDConfig(r.sshd)
	}
	r.checkHostKeys()
	r.checkAuthorizedKeys()
}

// checkServer reports the packages of s that are installed and its
// binaries that no package owns; an enabled unit is added to the message.
func (r *run) checkServer(s server) bool {
	inetd := r.inetdServices(s.inetd)
	// enabledBy says how what package name installs is started: its own
	// units (a unit name within the package name: ssh in openssh-server,
	// vsftpd), and the server's inetd.conf lines. "" gives every unit.
	enabledBy := func(name string) string {
		var units []string
		for _, u := range s.units {
			if name == "" || strings.Contains(name, strings.TrimSuffix(u, path.Ext(u))) {
				units = append(units, u)
			}
		}
		if on := append(r.enabledUnits(units), inetd...); len(on) > 0 {
			return "; enabled at boot by " + strings.Join(on, ", ")
		}
		return ""
	}
	owned := map[string]bool{}
	found := false
	for _, p := range r.inv.Packages {
		if p.Type != inventory.TypeDeb && p.Type != inventory.TypeApk && p.Type != inventory.TypeRPM {
			continue
		}
		if !slices.Contains(s.packages, p.Name) {
			continue
		}
		for _, f := range p.Files {
			owned[usrMerged(strings.TrimPrefix(path.Clean("/"+f), "/"))] = true
		}
		found = true
		loc := ""
		if len(p.Locations) > 0 {
			loc = p.Locations[0]
		}
		ev := r.evidence(loc, 0, p.Layer, fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.Type))
		r.add(s.def, fmt.Sprintf("%s is installed: package %s %s%s", s.what, p.Name, p.Version, enabledBy(p.Name)), ev, p.Name)
	}
	reported := map[string]bool{}
	for _, b := range s.binaries {
		// the unmerged path too: /sbin/sshd on a system without usrmerge
		for _, cand := range []string{b, strings.TrimPrefix(b, "usr/")} {
			info, err := r.fsys.Lstat(cand)
			if err != nil || info.Type != layerfs.TypeFile || owned[usrMerged(info.Path)] || reported[info.Path] {
				continue
			}
			reported[info.Path] = true
			cand = info.Path
			found = true
			r.add(s.def, fmt.Sprintf("%s is installed: /%s, which no package owns%s", s.what, cand, enabledBy("")),
				r.evidence(cand, 0, info.Layer, fmt.Sprintf("mode %04o, %d bytes", info.Mode&0o7777, info.Size)), cand)
		}
	}
	return found
}

// enabledUnits lists the links that start one of units at boot: systemd
// wants links under /etc/systemd/system and SysV rc start links.
func (r *run) enabledUnits(units []string) []string {
	var out []string
	for _, u := range units {
		names := []string{u}
		if !strings.Contains(u, ".") {
			names = []string{u + ".service", u + ".socket"}
		}
		for _, n := range names {
			for _, p := range r.fsys.Glob("etc/systemd/system/*.wants/" + n) {
				out = append(out, "/"+p)
			}
		}
		if !strings.Contains(u, ".") {
			for _, p := range r.fsys.Glob("etc/rc[2345].d/S[0-9][0-9]" + u) {
				out = append(out, "/"+p)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// inetdServices lists the lines of /etc/inetd.conf that start one of
// services (inetd.conf(5): the service name is the first field; a line
// that starts with # is off, update-inetd disables with "#<off># ").
func (r *run) inetdServices(services []string) []string {
	data, _, ok := r.read("etc/inetd.conf")
	if !ok {
		return nil
	}
	var out []string
	for i, l := range lines(data) {
		f := strings.Fields(l)
		if len(f) < 6 || strings.HasPrefix(f[0], "#") {
			continue
		}
		name := f[0]
		if _, svc, ok := strings.Cut(name, ":"); ok { // [address:]service
			name = svc
		}
		if slices.Contains(services, name) {
			out = append(out, fmt.Sprintf("/etc/inetd.conf:%d (%s)", i+1, name))
		}
	}
	return out
}

// checkSSHDConfig: OS-012, OS-013 and OS-014 from the effective
// configuration, with sshd's defaults for what it does not set.
func (r *run) checkSSHDConfig(c *sshdConfig) {
	if c == nil {
		return
	}
	layer := -1
	if info, err := r.fsys.Stat(sshdConfigPath); err == nil {
		layer = info.Layer
	}
	type rule struct {
		def      *check.Definition
		keyword  string
		name     string
		def0     string // sshd's default
		insecure func(v string) bool
		msg      string
	}
	rules := []rule{
		{defSSHRootLogin, "permitrootlogin", "PermitRootLogin", "prohibit-password",
			func(v string) bool { return strings.EqualFold(v, "yes") }, "root may log in with a password"},
		{defSSHPasswordAuth, "passwordauthentication", "PasswordAuthentication", "yes",
			func(v string) bool { return strings.EqualFold(v, "yes") }, "sshd accepts passwords"},
		{defSSHEmptyPasswords, "permitemptypasswords", "PermitEmptyPasswords", "no",
			func(v string) bool { return strings.EqualFold(v, "yes") }, "accounts with an empty password may log in"},
	}
	for _, rl := range rules {
		if s, ok := c.global(rl.keyword); ok {
			if rl.insecure(s.Args[0]) {
				r.add(rl.def, fmt.Sprintf("%s %s in %s: %s", rl.name, s.Args[0], s.File, rl.msg),
					r.evidence(s.File, s.Line, s.Layer, s.Text), rl.keyword)
			}
		} else if rl.insecure(rl.def0) {
			r.add(rl.def, fmt.Sprintf("%s is not set in the sshd configuration and sshd's default is %s: %s", rl.name, rl.def0, rl.msg),
				r.evidence(sshdConfigPath, 0, layer, ""), rl.keyword)
		}
		for _, s := range c.inMatch(rl.keyword) {
			if rl.insecure(s.Args[0]) {
				r.add(rl.def, fmt.Sprintf("%s %s for the connections of %s: %s", rl.name, s.Args[0], s.Match, rl.msg),
					r.evidence(s.File, s.Line, s.Layer, s.Text), rl.keyword+" "+s.Match)
			}
		}
	}
}

// checkHostKeys: OS-018.
func (r *run) checkHostKeys() {
	var keys []string
	keys = append(keys, r.fsys.Glob("etc/ssh/ssh_host_*_key")...)
	keys = append(keys, r.fsys.Glob("etc/dropbear/dropbear_*_host_key")...)
	for _, k := range keys {
		info, err := r.fsys.Stat(k)
		if err != nil || info.Type != layerfs.TypeFile || info.Size == 0 {
			continue
		}
		r.add(defHostKeys, fmt.Sprintf("SSH host private key /%s (%d bytes) is in the image: every container of it shares the key", k, info.Size),
			r.evidence(k, 0, info.Layer, fmt.Sprintf("%d bytes, mode %04o", info.Size, info.Mode&0o7777)), k)
	}
}

// checkAuthorizedKeys: OS-019. The files are those sshd would read for
// each account of /etc/passwd: AuthorizedKeysFile (its first global value;
// %h, %u, %U and %% expanded; relative to the home directory), by default
// .ssh/authorized_keys and .ssh/authorized_keys2.
func (r *run) checkAuthorizedKeys() {
	patterns := []string{".ssh/authorized_keys", ".ssh/authorized_keys2"}
	if r.sshd != nil {
		if s, ok := r.sshd.global("authorizedkeysfile"); ok {
			patterns = s.Args
			if len(s.Args) == 1 && strings.EqualFold(s.Args[0], "none") {
				patterns = nil
			}
		}
	}
	type user struct{ name, uid, home string }
	var users []user
	if r.accounts != nil {
		for _, a := range r.accounts.accounts {
			if a.passwd.Home != "" {
				users = append(users, user{a.passwd.Name, a.passwd.UID, a.passwd.Home})
			}
		}
	}
	if !slices.ContainsFunc(users, func(u user) bool { return u.name == "root" }) {
		users = append(users, user{"root", "0", "/root"})
	}
	seen := map[string]bool{}
	for _, u := range users {
		for _, pat := range patterns {
			p := strings.NewReplacer("%%", "%", "%h", u.home, "%u", u.name, "%U", u.uid).Replace(pat)
			if !strings.HasPrefix(p, "/") {
				p = path.Join(u.home, p)
			}
			p = strings.TrimPrefix(path.Clean("/"+p), "/")
			if seen[p] {
				continue
			}
			seen[p] = true
			info, err := r.fsys.Stat(p)
			if err != nil || info.Type != layerfs.TypeFile || info.Size == 0 {
				continue
			}
			r.add(defAuthorizedKeys, fmt.Sprintf("/%s (%d bytes) lets the holders of its keys log in as %s", p, info.Size, u.name),
				r.evidence(p, 0, info.Layer, fmt.Sprintf("%d bytes", info.Size)), p)
		}
	}
}
