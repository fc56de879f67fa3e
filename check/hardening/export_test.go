package hardening

import (
	"strings"
	"testing"
)

// SSHDEffective returns what the check makes of an sshd configuration
// (files by path relative to the root): the global value of each keyword it
// reads, sshd's default where unset, and for each Match block's criteria
// ("User alice") the values it sets. For the external tests that compare
// it with sshd -T.
func SSHDEffective(t testing.TB, files map[string]string) (global map[string]string, match map[string]map[string]string) {
	var fl []fileEntry
	for p, body := range files {
		fl = append(fl, fileEntry{p, body})
	}
	r := &run{fsys: fsOf(t, filesFrom(fl))}
	c, ok := r.loadSSHD()
	if !ok {
		t.Fatal("no sshd_config")
	}
	global = map[string]string{"permitrootlogin": "prohibit-password", "passwordauthentication": "yes", "permitemptypasswords": "no"}
	match = map[string]map[string]string{}
	for kw := range global {
		if s, ok := c.global(kw); ok {
			global[kw] = strings.ToLower(s.Args[0])
		}
		for _, s := range c.inMatch(kw) {
			crit := strings.TrimPrefix(s.Match, "Match ")
			crit = crit[:strings.LastIndex(crit, " (")]
			if match[crit] == nil {
				match[crit] = map[string]string{}
			}
			match[crit][kw] = strings.ToLower(s.Args[0])
		}
	}
	return global, match
}

type fileEntry struct{ path, body string }

func filesFrom(fl []fileEntry) files {
	var out files
	for _, f := range fl {
		out = append(out, file(f.path, f.body))
	}
	return out
}
