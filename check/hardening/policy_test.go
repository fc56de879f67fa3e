package hardening

import (
	"strings"
	"testing"
)

var policyIDs = []string{"OS-001", "OS-002", "OS-003", "OS-004", "OS-005"}

// TestLoginDefsDebian: the login.defs of Debian 12's login package, as
// installed: PASS_MAX_DAYS 99999 and PASS_MIN_DAYS 0 are findings,
// PASS_WARN_AGE 7 and ENCRYPT_METHOD SHA512 are not. Debian's own PAM
// configuration (pam_unix without minlen) accepts 6 characters.
func TestLoginDefsDebian(t *testing.T) {
	fsys := fsOf(t, files{
		testdataFile(t, "etc/login.defs", "debian/login.defs"),
		testdataFile(t, "etc/pam.d/passwd", "debian/pam.d-passwd"),
		testdataFile(t, "etc/pam.d/common-password", "debian/common-password"),
	})
	res := runCheck(t, fsys, nil, Options{})
	wantIDs(t, res, policyIDs,
		"OS-001 /etc/login.defs:165", "OS-002 /etc/login.defs:166",
		"OS-003 /etc/pam.d/common-password:25")
	if f := res.of("OS-001"); len(f) == 1 && f[0].Evidence.Snippet != "PASS_MAX_DAYS 99999" {
		t.Errorf("OS-001 snippet %q", f[0].Evidence.Snippet)
	}
	if f := res.of("OS-003"); len(f) == 1 && !strings.Contains(f[0].Message, "6 characters") {
		t.Errorf("OS-003 message %q", f[0].Message)
	}
}

func TestLoginDefs(t *testing.T) {
	good := "PASS_MAX_DAYS\t90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 14\nENCRYPT_METHOD YESCRYPT\n"
	tests := []struct {
		name, defs string
		want       []string
	}{
		{"hardened", good, nil},
		{"absent: shadow's defaults", "UMASK 022\n", []string{"OS-001 /etc/login.defs:0", "OS-002 /etc/login.defs:0", "OS-004 /etc/login.defs:0", "OS-005 /etc/login.defs:0"}},
		{"too long", strings.Replace(good, "90", "91", 1), []string{"OS-001 /etc/login.defs:1"}},
		{"never", strings.Replace(good, "90", "-1", 1), []string{"OS-001 /etc/login.defs:1"}},
		{"a comment after the value does not parse", strings.Replace(good, "90", "60 # two months", 1), []string{"OS-001 /etc/login.defs:1"}},
		{"quotes are skipped", strings.Replace(good, "90", `"60"`, 1), nil},
		{"leading white space and an indented comment", "  # PASS_MAX_DAYS 999\n" + good, nil},
		{"the last value wins", good + "PASS_MAX_DAYS 365\n", []string{"OS-001 /etc/login.defs:5"}},
		{"the last value wins, fixed", "PASS_MAX_DAYS 99999\n" + good, nil},
		{"names are case-sensitive", strings.Replace(good, "PASS_MIN_DAYS", "pass_min_days", 1), []string{"OS-002 /etc/login.defs:0"}},
		{"min days", strings.Replace(good, "PASS_MIN_DAYS 1", "PASS_MIN_DAYS 0", 1), []string{"OS-002 /etc/login.defs:2"}},
		{"warn age", strings.Replace(good, "14", "6", 1), []string{"OS-004 /etc/login.defs:3"}},
		{"DES", strings.Replace(good, "YESCRYPT", "DES", 1), []string{"OS-005 /etc/login.defs:4"}},
		{"MD5", strings.Replace(good, "YESCRYPT", "MD5", 1), []string{"OS-005 /etc/login.defs:4"}},
		{"SHA256 is acceptable", strings.Replace(good, "YESCRYPT", "SHA256", 1), nil},
		{"lower case falls back to DES", strings.Replace(good, "YESCRYPT", "sha512", 1), []string{"OS-005 /etc/login.defs:4"}},
		{"MD5_CRYPT_ENAB", strings.Replace(good, "ENCRYPT_METHOD YESCRYPT", "MD5_CRYPT_ENAB yes", 1), []string{"OS-005 /etc/login.defs:4"}},
		{"ENCRYPT_METHOD overrides MD5_CRYPT_ENAB", good + "MD5_CRYPT_ENAB yes\n", nil},
		{"CRLF line ends", strings.ReplaceAll(good, "\n", "\r\n"), nil},
		{"a line of over 1023 bytes is read in pieces", "#" + strings.Repeat("x", 1022) + "PASS_MAX_DAYS 999\n" + good, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCheck(t, fsOf(t, files{file("etc/login.defs", tt.defs)}), nil, Options{})
			wantIDs(t, res, []string{"OS-001", "OS-002", "OS-004", "OS-005"}, tt.want...)
		})
	}
}

func TestLoginDefsBinaryJunk(t *testing.T) {
	junk := "\x00\xff\xfePASS_MAX_DAYS\x00 30\n\x01\x02 \"\"\"\n\xc3\x28 PASS_MIN_DAYS 9\n" + strings.Repeat("\x00", 3000) + "\nPASS_WARN_AGE 7"
	res := runCheck(t, fsOf(t, files{file("etc/login.defs", junk)}), nil, Options{})
	if len(res.of("OS-001")) != 1 || len(res.of("OS-002")) != 1 {
		t.Errorf("junk login.defs:\n%s", res)
	}
	if len(res.of("OS-004")) != 0 {
		t.Errorf("PASS_WARN_AGE 7 on the last line without a newline was not read:\n%s", res)
	}
}

// debianPAM is Debian 12's password stack (pam-auth-update with only
// pam_unix) and its passwd service.
func debianPAM(t *testing.T) files {
	return files{
		testdataFile(t, "etc/pam.d/passwd", "debian/pam.d-passwd"),
		testdataFile(t, "etc/pam.d/common-password", "debian/common-password"),
	}
}

// withPwquality is common-password as pam-auth-update writes it once
// libpam-pwquality is installed.
const withPwquality = `password	requisite			pam_pwquality.so retry=3
password	[success=1 default=ignore]	pam_unix.so obscure use_authtok try_first_pass yescrypt
password	requisite			pam_deny.so
password	required			pam_permit.so
`

func TestPAMMinLength(t *testing.T) {
	pwqDefault := testdataFile(t, "etc/security/pwquality.conf", "debian/pwquality.conf")
	pwd := file("etc/pam.d/passwd", "@include common-password\n")
	tests := []struct {
		name  string
		files files
		want  []string
	}{
		{"Debian: pam_unix's default of 6", debianPAM(t), []string{"OS-003 /etc/pam.d/common-password:25"}},
		{"pwquality installed, its default of 8", files{pwd, file("etc/pam.d/common-password", withPwquality), pwqDefault}, nil},
		{"pwquality without its conf file", files{pwd, file("etc/pam.d/common-password", withPwquality)}, nil},
		{"pwquality.conf minlen = 6", files{pwd, file("etc/pam.d/common-password", withPwquality), file("etc/security/pwquality.conf", "# x\n minlen = 6 \n")},
			[]string{"OS-003 /etc/security/pwquality.conf:2"}},
		{"the module argument overrides the conf file", files{pwd, file("etc/pam.d/common-password", strings.Replace(withPwquality, "retry=3", "retry=3 minlen=12", 1)), file("etc/security/pwquality.conf", "minlen = 6\n")}, nil},
		{"pwquality.conf overrides pwquality.conf.d", files{pwd, file("etc/pam.d/common-password", withPwquality),
			file("etc/security/pwquality.conf.d/50-site.conf", "minlen = 14\n"), file("etc/security/pwquality.conf", "minlen = 7\n")},
			[]string{"OS-003 /etc/security/pwquality.conf:1"}},
		{"pwquality.conf.d alone", files{pwd, file("etc/pam.d/common-password", withPwquality), file("etc/security/pwquality.conf.d/50-site.conf", "minlen = 6\n")},
			[]string{"OS-003 /etc/security/pwquality.conf.d/50-site.conf:1"}},
		{"positive credits lower the length", files{pwd, file("etc/pam.d/common-password", strings.Replace(withPwquality, "retry=3", "minlen=9 dcredit=1 ucredit=1", 1))},
			[]string{"OS-003 /etc/pam.d/common-password:1"}},
		{"pam_unix minlen", files{pwd, file("etc/pam.d/common-password", "password required pam_unix.so obscure minlen=10 yescrypt\n")}, nil},
		{"a full module path and a continued line", files{pwd, file("etc/pam.d/common-password", "password required \\\n /lib/x86_64-linux-gnu/security/pam_unix.so minlen=4\n")},
			[]string{"OS-003 /etc/pam.d/common-password:1"}},
		{"pam_cracklib's credits", files{pwd, file("etc/pam.d/common-password", "password requisite pam_cracklib.so retry=3\npassword required pam_unix.so use_authtok minlen=6\n")},
			[]string{"OS-003 /etc/pam.d/common-password:1"}},
		{"pam_cracklib without credits", files{pwd, file("etc/pam.d/common-password", "password requisite pam_cracklib.so minlen=10 dcredit=0 ucredit=0 lcredit=0 ocredit=0\npassword required pam_unix.so use_authtok\n")}, nil},
		{"pam_passwdqc's default", files{pwd, file("etc/pam.d/common-password", "password requisite pam_passwdqc.so\n")}, []string{"OS-003 /etc/pam.d/common-password:1"}},
		{"commented out", files{pwd, file("etc/pam.d/common-password", "password required pam_unix.so # minlen=10\n")}, []string{"OS-003 /etc/pam.d/common-password:1"}},
		{"other types do not count", files{pwd, file("etc/pam.d/common-password", "auth required pam_pwquality.so minlen=20\npassword required pam_unix.so\n")}, []string{"OS-003 /etc/pam.d/common-password:2"}},
		{"RHEL: substack", files{file("etc/pam.d/passwd", "auth include system-auth\npassword substack system-auth\n"),
			file("etc/pam.d/system-auth", "password requisite pam_pwquality.so local_users_only\npassword sufficient pam_unix.so sha512 shadow use_authtok\n"),
			file("etc/security/pwquality.conf", "# minlen = 8\n")}, nil},
		{"no passwd service: other", files{file("etc/pam.d/other", "password required pam_unix.so\n")}, []string{"OS-003 /etc/pam.d/other:1"}},
		{"no module checks the length", files{pwd, file("etc/pam.d/common-password", "password required pam_permit.so\n")}, []string{"OS-003 /etc/pam.d/common-password:1"}},
		{"no PAM: PASS_MIN_LEN", files{file("etc/login.defs", "PASS_MIN_LEN 5\n")}, []string{"OS-003 /etc/login.defs:1"}},
		{"no PAM: PASS_MIN_LEN unset", files{file("etc/login.defs", "UMASK 022\n")}, []string{"OS-003 /etc/login.defs:0"}},
		{"no PAM: PASS_MIN_LEN 8", files{file("etc/login.defs", "PASS_MIN_LEN 8\n")}, nil},
		{"no PAM and no login.defs", files{file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCheck(t, fsOf(t, tt.files), nil, Options{})
			wantIDs(t, res, []string{"OS-003"}, tt.want...)
		})
	}
}

func TestPAMHashMethod(t *testing.T) {
	pwd := file("etc/pam.d/passwd", "@include common-password\n")
	defs := file("etc/login.defs", "ENCRYPT_METHOD YESCRYPT\n")
	for _, tt := range []struct {
		name  string
		files files
		want  []string
	}{
		{"yescrypt", files{pwd, defs, file("etc/pam.d/common-password", "password required pam_unix.so yescrypt minlen=8\n")}, nil},
		{"md5", files{pwd, defs, file("etc/pam.d/common-password", "password required pam_unix.so md5 minlen=8\n")}, []string{"OS-005 /etc/pam.d/common-password:1"}},
		{"the last option wins", files{pwd, defs, file("etc/pam.d/common-password", "password required pam_unix.so md5 sha512 minlen=8\n")}, nil},
		{"bigcrypt", files{pwd, defs, file("etc/pam.d/common-password", "password required pam_unix.so sha512 bigcrypt\n")}, []string{"OS-005 /etc/pam.d/common-password:1"}},
		{"no option and no login.defs: DES", files{pwd, file("etc/pam.d/common-password", "password required pam_unix.so\n")}, []string{"OS-005 /etc/pam.d/common-password:1"}},
		{"no option: login.defs decides", files{pwd, defs, file("etc/pam.d/common-password", "password required pam_unix.so\n")}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantIDs(t, runCheck(t, fsOf(t, tt.files), nil, Options{}), []string{"OS-005"}, tt.want...)
		})
	}
}

// TestPAMIncludeLoop: files that include each other stop with a warning.
func TestPAMIncludeLoop(t *testing.T) {
	fsys := fsOf(t, files{
		file("etc/pam.d/passwd", "@include a\npassword required pam_unix.so minlen=4\n"),
		file("etc/pam.d/a", "password include b\n"),
		file("etc/pam.d/b", "password substack a\n@include passwd\n"),
	})
	res := runCheck(t, fsys, nil, Options{})
	if !warned(res, "PAM include loop") {
		t.Errorf("no loop warning:\n%s", res)
	}
	wantIDs(t, res, []string{"OS-003"}, "OS-003 /etc/pam.d/passwd:2")
}

func warned(res result, substr string) bool {
	for _, w := range res.warnings {
		if strings.Contains(w.Message, substr) {
			return true
		}
	}
	return false
}

// TestPAMIncludeFanOut: files that each include all the others are read a
// bounded number of times.
func TestPAMIncludeFanOut(t *testing.T) {
	var fl files
	body := ""
	for i := range 10 {
		body += "@include f" + string(rune('0'+i)) + "\n"
	}
	fl = append(fl, file("etc/pam.d/passwd", body))
	for i := range 10 {
		fl = append(fl, file("etc/pam.d/f"+string(rune('0'+i)), body+"password required pam_unix.so minlen=9\n"))
	}
	res := runCheck(t, fsOf(t, fl), nil, Options{})
	if !warned(res, "more than 256 files") {
		t.Errorf("no warning:\n%v", res.warnings)
	}
	wantIDs(t, res, []string{"OS-003"})
}
