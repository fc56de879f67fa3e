package hardening

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzzers check that each parser of image content neither panics nor
// returns what its input cannot hold, and (for the config readers) that a
// whole Check over the fuzzed file stays within bounds.

func FuzzLoginDefs(f *testing.F) {
	f.Add([]byte("PASS_MAX_DAYS 99999\nPASS_MIN_DAYS\t0\n# c\n"))
	f.Add([]byte("ENCRYPT_METHOD \"SHA512\"\r\nPASS_WARN_AGE -1\n"))
	f.Add([]byte(strings.Repeat("x", 2000) + " PASS_MAX_DAYS 1\n"))
	f.Add([]byte("\x00PASS_MAX_DAYS 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defs := parseLoginDefs(data)
		nl := strings.Count(string(data), "\n") + 1
		for name, v := range defs {
			if name == "" || strings.ContainsAny(name, " \t\n") || v.Line < 1 || v.Line > nl+len(data)/1023+1 {
				t.Fatalf("bad entry %q = %+v", name, v)
			}
		}
		for _, k := range []string{"PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE", "PASS_MIN_LEN"} {
			if n, ok, bad := defs.number(k); ok && (bad || n < -(1<<31) || n > 1<<31-1) {
				t.Fatalf("%s = %d", k, n)
			}
		}
		defs.encryptMethod()
	})
}

func FuzzAccounts(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\n+nis\n"), []byte("root:$6$a$b:1:0:99999:7:::\nx::\n"))
	f.Add([]byte("a:b:c:d:e:f:g:h:i\n::::::\n"), []byte(":\n\n$y$j9T$"))
	f.Fuzz(func(t *testing.T, passwd, shadow []byte) {
		for _, p := range parsePasswd(passwd) {
			if p.Name == "" || p.Line < 1 {
				t.Fatalf("bad passwd entry %+v", p)
			}
		}
		for _, s := range parseShadow(shadow) {
			if s.Name == "" || s.Line < 1 {
				t.Fatalf("bad shadow entry %+v", s)
			}
			scheme := hashScheme(s.Hash)
			if scheme != "" {
				guessable(scheme, s.Hash)
			}
		}
		if len(passwd)+len(shadow) > 4096 {
			return
		}
		fsys := fsOf(t, files{file("etc/passwd", string(passwd)), fileMode("etc/shadow", string(shadow), 0o640)})
		res := runCheck(t, fsys, nil, Options{Wordlist: []string{"password"}, MaxGuesses: 4})
		for _, f := range res.findings {
			for _, l := range lines(shadow) {
				if _, h, ok := strings.Cut(l, ":"); ok {
					h, _, _ = strings.Cut(h, ":")
					if len(h) > 12 && strings.Contains(f.Evidence.Snippet, h) {
						t.Fatalf("hash %q shown in %q", h, f.Evidence.Snippet)
					}
				}
			}
		}
	})
}

func FuzzSSHDTokens(f *testing.F) {
	f.Add("PermitRootLogin yes")
	f.Add(`Match User "a b",c # x`)
	f.Add("PasswordAuthentication=no")
	f.Add("Include = 'a\\'b' \"c\\\"d\" e\\ f")
	f.Fuzz(func(t *testing.T, line string) {
		toks := sshdTokens(line)
		total := 0
		for _, tok := range toks {
			total += len(tok)
		}
		if total > len(line) {
			t.Fatalf("tokens %q longer than %q", toks, line)
		}
	})
}

func FuzzSSHDConfig(f *testing.F) {
	f.Add([]byte("Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nMatch all\nPasswordAuthentication yes\n"), []byte("Include /etc/ssh/sshd_config\n"))
	f.Fuzz(func(t *testing.T, main, inc []byte) {
		fsys := fsOf(t, files{
			sshdBinary,
			file("etc/ssh/sshd_config", string(main)),
			file("etc/ssh/sshd_config.d/a.conf", string(inc)),
			file("etc/ssh/sshd_config.d/b.conf", string(inc)),
		})
		res := runCheck(t, fsys, nil, Options{PasswordBudget: -1})
		if n := len(res.of("OS-012")) + len(res.of("OS-013")) + len(res.of("OS-014")); n > 3+3*(strings.Count(string(main)+string(inc), "\n")+1)*256 {
			t.Fatalf("%d findings", n)
		}
	})
}

func FuzzSudoers(f *testing.F) {
	f.Add([]byte("root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n"), []byte("app ALL=NOPASSWD: ALL\\\n , /bin/x\n#include /etc/sudoers\n"))
	f.Add([]byte("Defaults:u !authenticate\n#1000 ALL=ALL\n\"#\\"), []byte("#includedir /etc\n"))
	f.Fuzz(func(t *testing.T, main, inc []byte) {
		for _, l := range parseSudoers(main) {
			if l.Line < 1 || strings.TrimSpace(l.Text) != l.Text || l.Text == "" {
				t.Fatalf("bad line %+v", l)
			}
		}
		fsys := fsOf(t, files{file("etc/sudoers", string(main)), file("etc/sudoers.d/a", string(inc))})
		runCheck(t, fsys, nil, Options{PasswordBudget: -1})
	})
}

func FuzzPAMLine(f *testing.F) {
	f.Add([]byte("password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n@include common-password\n"))
	f.Add([]byte("-password requisite pam_pwquality.so [minlen=12 x\\]] \\\n retry=3 # c\n[\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range parsePAM(data) {
			if l.Line < 1 || l.Type == "" || l.Module == "" {
				t.Fatalf("bad rule %+v", l)
			}
			if utf8.ValidString(string(data)) && !utf8.ValidString(l.Text) {
				t.Fatalf("text %q", l.Text)
			}
			l.moduleName()
			l.arg("minlen")
		}
		fsys := fsOf(t, files{file("etc/pam.d/passwd", string(data)), file("etc/pam.d/common-password", string(data))})
		runCheck(t, fsys, nil, Options{PasswordBudget: -1})
	})
}
