package hardening

import (
	"fmt"
	"strings"
)

// loginDefs is /etc/login.defs as the shadow tools read it.
type loginDefs map[string]defValue

type defValue struct {
	Value string
	Line  int
}

// parseLoginDefs reads login.defs the way shadow's def_load (lib/getdef.c)
// does: lines are read with a 1024-byte buffer (a longer line is read as
// several), trailing white space is cut, blank lines and lines whose first
// non-blank character is # are skipped; the name is the first field, the
// value starts after the white space and double quotes that follow it and
// ends at the next double quote (so "90 # comment" is the value, which then
// fails to parse as a number). A name given twice keeps its last value.
func parseLoginDefs(data []byte) loginDefs {
	defs := loginDefs{}
	line, atStart := 0, true
	for len(data) > 0 {
		if atStart {
			line++
		}
		// one fgets call: up to 1023 bytes, or through the next newline
		n := min(len(data), 1023)
		if i := strings.IndexByte(string(data[:n]), '\n'); i >= 0 {
			n = i + 1
		}
		atStart = data[n-1] == '\n' // else the next call reads the rest of this line
		buf := string(data[:n])
		data = data[n:]
		if nul := strings.IndexByte(buf, 0); nul >= 0 {
			buf = buf[:nul] // C strings end at the first NUL
		}
		buf = strings.TrimRight(buf, " \t\n\v\f\r")
		name := strings.TrimLeft(buf, " \t")
		if name == "" || name[0] == '#' {
			continue
		}
		end := strings.IndexAny(name, " \t")
		if end < 0 {
			continue // only one field
		}
		value := strings.TrimLeft(name[end+1:], " \"\t")
		if q := strings.IndexByte(value, '"'); q >= 0 {
			value = value[:q]
		}
		defs[name[:end]] = defValue{Value: value, Line: line}
	}
	return defs
}

// number returns the value of name as shadow's getdef_num reads it (strtol
// in base 10 of the whole value, as shadow 4.13 of Debian 12 does; shadow
// 4.14 and later also read 0x hex and 0 octal), with ok false when name is
// absent and bad true when its value does not parse (shadow then uses the
// default and prints a configuration error).
func (d loginDefs) number(name string) (v int64, ok, bad bool) {
	dv, found := d[name]
	if !found {
		return 0, false, false
	}
	n, err := strtol10(dv.Value)
	if err != nil {
		return 0, false, true
	}
	return n, true, false
}

// strtol10 is C's strtol(s, &end, 10) that must consume all of s: leading
// white space and a sign are allowed; nothing may follow the digits; values
// beyond 32 bits are rejected like getdef_num's INT_MIN..INT_MAX check.
func strtol10(s string) (int64, error) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, fmt.Errorf("no digits in %q", s)
	}
	var n int64
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number: %q", s)
		}
		n = n*10 + int64(c-'0')
		if n > 1<<31 {
			return 0, fmt.Errorf("out of range: %q", s)
		}
	}
	if neg {
		n = -n
	}
	if n > 1<<31-1 {
		return 0, fmt.Errorf("out of range: %q", s)
	}
	return n, nil
}

const loginDefsPath = "etc/login.defs"

// checkLoginDefs: OS-001, OS-002, OS-004 and the login.defs half of
// OS-005. Without /etc/login.defs the shadow tools are usually absent too
// (Alpine's busybox, distroless), and nothing is reported.
func (r *run) checkLoginDefs() {
	data, layer, ok := r.read(loginDefsPath)
	if !ok {
		return
	}
	defs := parseLoginDefs(data)
	ev := func(name string) (line int, snip string) {
		if dv, ok := defs[name]; ok {
			return dv.Line, name + " " + dv.Value
		}
		return 0, ""
	}
	// describe says what shadow makes of a numeric setting.
	num := func(name, absent string) (v int64, set bool, how string) {
		v, set, bad := defs.number(name)
		switch {
		case bad:
			return 0, false, fmt.Sprintf("%s has a value shadow cannot parse (%q), so shadow uses its default: %s", name, defs[name].Value, absent)
		case !set:
			return 0, false, fmt.Sprintf("%s is not set, so shadow uses its default: %s", name, absent)
		}
		return v, true, fmt.Sprintf("%s is %d", name, v)
	}

	if v, set, how := num("PASS_MAX_DAYS", "-1, no expiry"); !set || v < 0 || v > 90 {
		line, snip := ev("PASS_MAX_DAYS")
		msg := how + ": passwords of new accounts expire after more than 90 days"
		if !set || v < 0 {
			msg = how + ": passwords of new accounts never expire"
		}
		r.add(defPassMaxDays, msg, r.evidence(loginDefsPath, line, layer, snip), "PASS_MAX_DAYS")
	}
	if v, set, how := num("PASS_MIN_DAYS", "0, no minimum"); !set || v < 1 {
		line, snip := ev("PASS_MIN_DAYS")
		r.add(defPassMinDays, how+": a password can be changed again at once", r.evidence(loginDefsPath, line, layer, snip), "PASS_MIN_DAYS")
	}
	if v, set, how := num("PASS_WARN_AGE", "no warning"); !set || v < 7 {
		line, snip := ev("PASS_WARN_AGE")
		r.add(defPassWarnAge, how+": users are warned less than 7 days before their password expires", r.evidence(loginDefsPath, line, layer, snip), "PASS_WARN_AGE")
	}
	if method, how := defs.encryptMethod(); method == "DES" || method == "MD5" {
		name := "ENCRYPT_METHOD"
		if _, ok := defs[name]; !ok {
			name = "MD5_CRYPT_ENAB"
		}
		line, snip := ev(name)
		r.add(defEncryptMethod, how, r.evidence(loginDefsPath, line, layer, snip), "ENCRYPT_METHOD")
	}
}

// encryptMethod is the hashing method the shadow tools (chpasswd,
// newusers, chgpasswd) use by default, as shadow 4.13 (Debian 12) chooses
// it in crypt_make_salt: ENCRYPT_METHOD, or without it MD5 when
// MD5_CRYPT_ENAB is yes, else DES; a value other than DES, MD5, SHA256,
// SHA512, YESCRYPT or BCRYPT (the comparison is case-sensitive) makes them
// fall back to DES. Newer shadow releases default to SHA512 instead.
func (d loginDefs) encryptMethod() (method, how string) {
	if dv, ok := d["ENCRYPT_METHOD"]; ok {
		switch dv.Value {
		case "SHA256", "SHA512", "YESCRYPT", "BCRYPT":
			return dv.Value, ""
		case "DES", "MD5":
			return dv.Value, fmt.Sprintf("ENCRYPT_METHOD is %s: new passwords are hashed with %s crypt", dv.Value, dv.Value)
		}
		return "DES", fmt.Sprintf("ENCRYPT_METHOD is %q, which shadow does not know (the names are case-sensitive): the shadow tools fall back to DES crypt", dv.Value)
	}
	if dv, ok := d["MD5_CRYPT_ENAB"]; ok && strings.EqualFold(dv.Value, "yes") {
		return "MD5", "ENCRYPT_METHOD is not set and MD5_CRYPT_ENAB is yes: new passwords are hashed with MD5 crypt"
	}
	return "DES", "ENCRYPT_METHOD is not set (nor MD5_CRYPT_ENAB): shadow's default is DES crypt, which keeps only 8 characters of a password"
}
