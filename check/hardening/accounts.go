package hardening

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/layerfs"
)

// passwdEntry is a line of /etc/passwd (passwd(5)).
type passwdEntry struct {
	Name, Passwd, UID, GID, Gecos, Home, Shell string
	Line                                       int
}

// shadowEntry is a line of /etc/shadow (shadow(5)). Numeric fields are
// kept as written: empty means "not set".
type shadowEntry struct {
	Name, Hash                                   string
	LastChange, Min, Max, Warn, Inactive, Expire string
	Line                                         int
}

// parsePasswd reads passwd(5) lines: seven colon-separated fields. Lines
// with fewer fields, blank lines and NIS compat lines (+ or - first) are
// skipped, as glibc's parser skips what it cannot read.
func parsePasswd(data []byte) []passwdEntry {
	var out []passwdEntry
	for i, l := range lines(data) {
		if l == "" || l[0] == '+' || l[0] == '-' || l[0] == '#' {
			continue
		}
		f := strings.SplitN(l, ":", 7)
		if len(f) < 7 || f[0] == "" {
			continue
		}
		out = append(out, passwdEntry{Name: f[0], Passwd: f[1], UID: f[2], GID: f[3], Gecos: f[4], Home: f[5], Shell: f[6], Line: i + 1})
	}
	return out
}

// parseShadow reads shadow(5) lines: the name and the hash are required,
// the aging fields optional.
func parseShadow(data []byte) []shadowEntry {
	var out []shadowEntry
	for i, l := range lines(data) {
		if l == "" || l[0] == '+' || l[0] == '-' || l[0] == '#' {
			continue
		}
		f := strings.Split(l, ":")
		if len(f) < 2 || f[0] == "" {
			continue
		}
		for len(f) < 9 {
			f = append(f, "")
		}
		out = append(out, shadowEntry{Name: f[0], Hash: f[1], LastChange: f[2], Min: f[3], Max: f[4], Warn: f[5], Inactive: f[6], Expire: f[7], Line: i + 1})
	}
	return out
}

// Password hash schemes, by crypt(5) of libxcrypt.
const (
	schemeYescrypt     = "yescrypt"
	schemeGostYescrypt = "gost-yescrypt"
	schemeScrypt       = "scrypt"
	schemeBcrypt       = "bcrypt"
	schemeSHA512       = "SHA-512 crypt"
	schemeSHA256       = "SHA-256 crypt"
	schemeSHA1         = "SHA-1 crypt"
	schemeSunMD5       = "Sun MD5 crypt"
	schemeMD5          = "MD5 crypt"
	schemeBSDi         = "BSDi extended DES"
	schemeBigcrypt     = "bigcrypt"
	schemeDES          = "traditional DES crypt"
	schemeNT           = "NT hash"
)

// legacySchemes are those crypt(5) says should not be used for new hashes.
var legacySchemes = map[string]bool{
	schemeSHA1: true, schemeSunMD5: true, schemeMD5: true, schemeBSDi: true,
	schemeBigcrypt: true, schemeDES: true, schemeNT: true,
}

var (
	desHash      = regexp.MustCompile(`^[./0-9A-Za-z]{13}$`)
	bigcryptHash = regexp.MustCompile(`^[./0-9A-Za-z]{13}([./0-9A-Za-z]{11})+$`)
	bsdiHash     = regexp.MustCompile(`^_[./0-9A-Za-z]{19}$`)
)

// hashScheme names the scheme of a password hash field, "" when the field
// is no hash crypt(3) could produce: locked ("!..." or "*..."), empty, or
// a placeholder such as "x" or "LK", which no password matches.
func hashScheme(h string) string {
	switch {
	case h == "" || h[0] == '!' || h[0] == '*':
		return ""
	case strings.HasPrefix(h, "$y$"):
		return schemeYescrypt
	case strings.HasPrefix(h, "$gy$"):
		return schemeGostYescrypt
	case strings.HasPrefix(h, "$7$"):
		return schemeScrypt
	case strings.HasPrefix(h, "$2a$"), strings.HasPrefix(h, "$2b$"), strings.HasPrefix(h, "$2y$"), strings.HasPrefix(h, "$2x$"):
		return schemeBcrypt
	case strings.HasPrefix(h, "$6$"):
		return schemeSHA512
	case strings.HasPrefix(h, "$5$"):
		return schemeSHA256
	case strings.HasPrefix(h, "$sha1$"):
		return schemeSHA1
	case strings.HasPrefix(h, "$md5"):
		return schemeSunMD5
	case strings.HasPrefix(h, "$1$"):
		return schemeMD5
	case strings.HasPrefix(h, "$3$"):
		return schemeNT
	case bsdiHash.MatchString(h):
		return schemeBSDi
	case desHash.MatchString(h):
		return schemeDES
	case bigcryptHash.MatchString(h):
		return schemeBigcrypt
	}
	return ""
}

// account joins an account's passwd and shadow entries.
type account struct {
	passwd  passwdEntry
	shadow  *shadowEntry
	hash    string // the effective hash field
	file    string // where the hash is: etc/shadow or etc/passwd
	line    int
	layer   int
	scheme  string
	usable  bool // a hash some password matches
	isEmpty bool // an empty hash: no password at all
}

type accountDB struct {
	accounts []*account
	passwdLayer,
	shadowLayer int
}

const (
	passwdPath = "etc/passwd"
	shadowPath = "etc/shadow"
)

// loadAccounts reads /etc/passwd and /etc/shadow. An account's hash is its
// shadow entry's when it has one; otherwise the passwd field, unless that
// field is "x" (which points at a shadow entry that does not exist: no
// password matches).
func (r *run) loadAccounts() *accountDB {
	db := &accountDB{passwdLayer: -1, shadowLayer: -1}
	pdata, player, pok := r.read(passwdPath)
	sdata, slayer, sok := r.read(shadowPath)
	db.passwdLayer, db.shadowLayer = player, slayer
	var shadows []shadowEntry
	if sok {
		shadows = parseShadow(sdata)
	}
	byName := make(map[string]*shadowEntry, len(shadows))
	for i := range shadows {
		if _, dup := byName[shadows[i].Name]; !dup { // getspnam returns the first
			byName[shadows[i].Name] = &shadows[i]
		}
	}
	seen := map[string]bool{}
	if pok {
		for _, p := range parsePasswd(pdata) {
			if seen[p.Name] { // getpwnam returns the first
				continue
			}
			seen[p.Name] = true
			a := &account{passwd: p, hash: p.Passwd, file: passwdPath, line: p.Line, layer: player}
			if s := byName[p.Name]; s != nil {
				a.shadow, a.hash, a.file, a.line, a.layer = s, s.Hash, shadowPath, s.Line, slayer
			} else if p.Passwd == "x" {
				a.hash = "*" // no shadow entry to point at
			}
			db.accounts = append(db.accounts, a)
		}
	}
	// shadow entries without a passwd line cannot log in (no uid, no
	// shell), but their hashes are still in the image.
	for i := range shadows {
		s := &shadows[i]
		if seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		db.accounts = append(db.accounts, &account{passwd: passwdEntry{Name: s.Name}, shadow: s, hash: s.Hash, file: shadowPath, line: s.Line, layer: slayer})
	}
	for _, a := range db.accounts {
		a.isEmpty = a.hash == ""
		a.scheme = hashScheme(a.hash)
		a.usable = a.scheme != ""
	}
	return db
}

// redactedEntry is the account's line with the hash replaced by its scheme.
func (a *account) redactedEntry() string {
	h := "<empty>"
	switch {
	case a.isEmpty:
	case a.usable:
		h = "<" + a.scheme + " hash redacted>"
	default:
		h = "<locked>"
	}
	if a.shadow != nil && a.file == shadowPath {
		s := a.shadow
		return strings.Join([]string{s.Name, h, s.LastChange, s.Min, s.Max, s.Warn, s.Inactive, s.Expire}, ":") + ":"
	}
	p := a.passwd
	return strings.Join([]string{p.Name, h, p.UID, p.GID, snippet(p.Gecos), p.Home, p.Shell}, ":")
}

// accountEvidence points at the line that holds the account's hash.
func (r *run) accountEvidence(a *account) check.Evidence {
	return r.evidence(a.file, a.line, a.layer, a.redactedEntry())
}

// checkAccounts: OS-006 to OS-010, OS-007 through crack, and OS-029.
func (r *run) checkAccounts() {
	r.checkAccountFilePerms()
	db := r.loadAccounts()
	r.accounts = db
	for _, a := range db.accounts {
		ev := r.accountEvidence(a)
		name := a.passwd.Name
		if a.isEmpty {
			where := "/etc/shadow"
			if a.file == passwdPath {
				where = "/etc/passwd (the account has no /etc/shadow entry)"
			}
			r.add(defEmptyPassword, fmt.Sprintf("account %s has an empty password hash in %s: it can log in without a password", name, where), ev, name)
		}
		if a.usable && legacySchemes[a.scheme] {
			r.add(defLegacyHash, fmt.Sprintf("the password of account %s is hashed with %s", name, a.scheme), ev, name)
		}
		if a.usable && a.shadow != nil {
			maxAge := strings.TrimSpace(a.shadow.Max)
			n, err := strconv.Atoi(maxAge)
			switch {
			case maxAge == "" || err != nil || n < 0:
				r.add(defNoExpiry, fmt.Sprintf("account %s has a password and no maximum password age", name), ev, name)
			case n > 90:
				r.add(defNoExpiry, fmt.Sprintf("account %s has a password whose maximum age is %d days", name, n), ev, name)
			}
		}
		if a.passwd.UID != "" && a.passwd.Name != "root" {
			if uid, err := strconv.ParseUint(strings.TrimSpace(a.passwd.UID), 10, 32); err == nil && uid == 0 {
				pev := r.evidence(passwdPath, a.passwd.Line, db.passwdLayer, a.passwdSnippet())
				r.add(defUID0, fmt.Sprintf("account %s has UID 0: it is root under another name", name), pev, name)
			}
		}
	}
	r.crack(db)
}

func (a *account) passwdSnippet() string {
	p := a.passwd
	pw := p.Passwd
	if pw != "x" && pw != "" {
		pw = "<redacted>"
	}
	return strings.Join([]string{p.Name, pw, p.UID, p.GID, snippet(p.Gecos), p.Home, p.Shell}, ":")
}

// checkAccountFilePerms: OS-029, from the modes layerfs indexes.
func (r *run) checkAccountFilePerms() {
	for _, f := range []struct {
		path string
		bad  int64
		what string
	}{
		{"etc/shadow", 0o004, "readable by every user: anyone in the container can copy the password hashes and guess them offline"},
		{"etc/gshadow", 0o004, "readable by every user: anyone in the container can copy the group password hashes"},
		{"etc/passwd", 0o022, "writable by its group or every user: anyone who can write it can add a UID 0 account"},
		{"etc/group", 0o022, "writable by its group or every user: anyone who can write it can join any group"},
	} {
		info, err := r.fsys.Lstat(f.path)
		if err != nil || info.Type != layerfs.TypeFile {
			continue
		}
		if info.Mode&f.bad != 0 {
			r.add(defAccountFilePerms, fmt.Sprintf("%s has mode %04o: %s", rooted(f.path), info.Mode&0o7777, f.what),
				r.evidence(f.path, 0, info.Layer, fmt.Sprintf("mode %04o", info.Mode&0o7777)), f.path)
		}
	}
}
