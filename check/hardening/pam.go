package hardening

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/layerfs"
)

// pamLine is one rule of a PAM service file (pam.d(5)):
// [-]type control module-path [arguments...], or "@include file".
type pamLine struct {
	Type    string   // auth, account, password, session, or "@include"
	Control string   // required, requisite, [success=1 default=ignore], include, substack...
	Module  string   // as written (a path or a name)
	Args    []string // the arguments, a [..] argument without its brackets
	Line    int      // of the first physical line
	Text    string   // the logical line, for evidence
}

// parsePAM reads a pam.d file the way Linux-PAM's _pam_assemble_line and
// _pam_parse_conf_file do: everything from the first # of a physical line
// is a comment, a line that ends with a backslash goes on on the next one,
// a leading - on the type means "ignore if the module is missing", a
// control in brackets may hold spaces, and so may an argument in brackets
// (with \] for a bracket inside).
func parsePAM(data []byte) []pamLine {
	var out []pamLine
	var cur strings.Builder
	start := 0
	for i, raw := range lines(data) {
		if cur.Len() == 0 {
			start = i + 1
		}
		if h := strings.IndexByte(raw, '#'); h >= 0 {
			raw = raw[:h]
		}
		if strings.HasSuffix(raw, `\`) {
			cur.WriteString(strings.TrimSuffix(raw, `\`))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(raw)
		text := cur.String()
		cur.Reset()
		if l, ok := parsePAMLine(text); ok {
			l.Line = start
			out = append(out, l)
		}
	}
	if cur.Len() > 0 {
		if l, ok := parsePAMLine(cur.String()); ok {
			l.Line = start
			out = append(out, l)
		}
	}
	return out
}

func parsePAMLine(text string) (pamLine, bool) {
	toks := pamTokens(text)
	if len(toks) == 0 {
		return pamLine{}, false
	}
	l := pamLine{Text: strings.Join(strings.Fields(text), " ")}
	if toks[0] == "@include" {
		if len(toks) < 2 || toks[1] == "" {
			return pamLine{}, false
		}
		l.Type, l.Module = "@include", toks[1]
		return l, true
	}
	if len(toks) < 3 || toks[0] == "" || toks[2] == "" || strings.TrimPrefix(toks[0], "-") == "" {
		return pamLine{}, false
	}
	l.Type = strings.ToLower(strings.TrimPrefix(toks[0], "-"))
	l.Control, l.Module, l.Args = toks[1], toks[2], toks[3:]
	return l, true
}

// pamTokens splits a logical line into white-space separated tokens, a
// token that starts with [ running to the matching ] (\] escapes one).
func pamTokens(s string) []string {
	var toks []string
	for {
		s = strings.TrimLeft(s, " \t\n\r\v\f")
		if s == "" {
			return toks
		}
		if s[0] == '[' {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) && s[i+1] == ']' {
					b.WriteByte(']')
					i++
					continue
				}
				if s[i] == ']' {
					break
				}
				b.WriteByte(s[i])
			}
			toks = append(toks, b.String())
			if i >= len(s) {
				return toks
			}
			s = s[i+1:]
			continue
		}
		end := strings.IndexAny(s, " \t\n\r\v\f")
		if end < 0 {
			return append(toks, s)
		}
		toks = append(toks, s[:end])
		s = s[end:]
	}
}

// moduleName is the module's base name without ".so": "pam_unix".
func (l pamLine) moduleName() string {
	return strings.TrimSuffix(path.Base(l.Module), ".so")
}

// arg returns the value of the last key=value argument named key.
func (l pamLine) arg(key string) (string, bool) {
	v, found := "", false
	for _, a := range l.Args {
		if k, val, ok := strings.Cut(a, "="); ok && k == key {
			v, found = val, true
		}
	}
	return v, found
}

// pamRule is a rule of a resolved stack, with the file it came from.
type pamRule struct {
	pamLine
	File  string // rooted path
	Layer int
}

const (
	pamDir = "etc/pam.d"
	// maxPAMDepth bounds @include, include and substack nesting. Linux-PAM
	// allows 16 levels of substack; files that include each other stop
	// there with a warning.
	maxPAMDepth = 16
	// maxPAMFiles bounds the files read for one stack: files that each
	// include several others would otherwise be read exponentially often.
	maxPAMFiles = 256
)

// pamStack returns the rules of type typ that service runs, with includes
// and substacks followed (a missing service file falls back to "other", as
// Linux-PAM does). ok is false when the image has no /etc/pam.d.
func (r *run) pamStack(service, typ string) (rules []pamRule, ok bool) {
	if info, err := r.fsys.Stat(pamDir); err != nil || info.Type != layerfs.TypeDir {
		return nil, false
	}
	name := service
	if !r.fsys.Exists(path.Join(pamDir, service)) {
		name = "other"
	}
	visits := 0
	r.pamCollect(name, typ, nil, &visits, &rules)
	return rules, true
}

func (r *run) pamCollect(name, typ string, stack []string, visits *int, out *[]pamRule) {
	p := name
	if !strings.HasPrefix(p, "/") {
		p = path.Join(pamDir, name)
	}
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if slices.Contains(stack, p) || len(stack) >= maxPAMDepth {
		r.warn(p, -1, "PAM include loop or nesting deeper than %d levels (%s): not followed", maxPAMDepth, strings.Join(append(stack, p), " -> "))
		return
	}
	if *visits++; *visits > maxPAMFiles {
		if *visits == maxPAMFiles+1 {
			r.warn(p, -1, "the PAM stack includes more than %d files: the rest are not read", maxPAMFiles)
		}
		return
	}
	data, layer, ok := r.read(p)
	if !ok {
		return
	}
	stack = append(stack, p)
	for _, l := range parsePAM(data) {
		switch {
		case l.Type == "@include":
			r.pamCollect(l.Module, typ, stack, visits, out)
		case l.Type != typ:
		case l.Control == "include" || l.Control == "substack":
			r.pamCollect(l.Module, typ, stack, visits, out)
		default:
			*out = append(*out, pamRule{pamLine: l, File: rooted(p), Layer: layer})
		}
	}
}

// pwquality.conf settings, as libpwquality reads them: the *.conf files of
// pwquality.conf.d in ASCII order, then pwquality.conf, a later value
// overriding an earlier one; "name = value" lines, # comments.
type pwqualityConf map[string]defValueAt

type defValueAt struct {
	Value string
	File  string
	Line  int
	Layer int
}

func (r *run) readPwquality() pwqualityConf {
	conf := pwqualityConf{}
	files := append(r.fsys.Glob("etc/security/pwquality.conf.d/*.conf"), "etc/security/pwquality.conf")
	for _, p := range files {
		data, layer, ok := r.read(p)
		if !ok {
			continue
		}
		for i, l := range lines(data) {
			if h := strings.IndexByte(l, '#'); h >= 0 {
				l = l[:h]
			}
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			conf[strings.TrimSpace(k)] = defValueAt{Value: strings.TrimSpace(v), File: rooted(p), Line: i + 1, Layer: layer}
		}
	}
	return conf
}

// minLength is what one module of a password stack makes the shortest
// password it accepts, and where that comes from.
type minLength struct {
	chars int
	why   string
	file  string
	line  int
	layer int
	text  string
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

// moduleMinLength returns the minimum length module rule enforces (ok
// false for modules that do not check length).
func (r *run) moduleMinLength(rule pamRule, pwq func() pwqualityConf) (minLength, bool) {
	m := minLength{file: rule.File, line: rule.Line, layer: rule.Layer, text: rule.Text}
	switch rule.moduleName() {
	case "pam_unix", "pam_unix2":
		m.chars = 6
		m.why = "pam_unix without minlen (its default is 6)"
		if v, ok := rule.arg("minlen"); ok {
			m.chars = atoiOr(v, 6)
			m.why = "pam_unix minlen=" + v
		}
	case "pam_pwquality":
		conf := pwq()
		credits := 0 // libpwquality's credits default to 0
		val := func(key string) (string, string, bool) {
			if v, ok := rule.arg(key); ok {
				return v, "argument", true
			}
			if dv, ok := conf[key]; ok {
				return dv.Value, dv.File, true
			}
			return "", "", false
		}
		minlen, src := 8, "default"
		if v, from, ok := val("minlen"); ok {
			minlen, src = atoiOr(v, 8), from
			if from != "argument" {
				dv := conf["minlen"]
				m.file, m.line, m.layer, m.text = dv.File, dv.Line, dv.Layer, "minlen = "+dv.Value
			}
		}
		for _, c := range []string{"dcredit", "ucredit", "lcredit", "ocredit"} {
			if v, _, ok := val(c); ok {
				if n := atoiOr(v, 0); n > 0 {
					credits += n
				}
			}
		}
		m.chars = max(6, minlen-credits)
		m.why = fmt.Sprintf("pam_pwquality minlen %d (%s)", minlen, src)
		if credits > 0 {
			m.why += fmt.Sprintf(" less %d of character-class credits", credits)
		}
	case "pam_cracklib":
		minlen, credits := 9, 0
		m.why = "pam_cracklib without minlen (its default is 9)"
		if v, ok := rule.arg("minlen"); ok {
			minlen = atoiOr(v, 9)
			m.why = "pam_cracklib minlen=" + v
		}
		for _, c := range []string{"dcredit", "ucredit", "lcredit", "ocredit"} {
			n := 1 // pam_cracklib's credits default to 1
			if v, ok := rule.arg(c); ok {
				n = atoiOr(v, 1)
			}
			if n > 0 {
				credits += n
			}
		}
		m.chars = max(6, minlen-credits)
		if credits > 0 {
			m.why += fmt.Sprintf(" less %d of character-class credits", credits)
		}
	case "pam_passwdqc":
		spec := "disabled,24,11,8,7"
		m.why = "pam_passwdqc without min= (its default is disabled,24,11,8,7)"
		if v, ok := rule.arg("min"); ok {
			spec, m.why = v, "pam_passwdqc min="+v
		}
		m.chars = -1
		for _, f := range strings.Split(spec, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && (m.chars < 0 || n < m.chars) {
				m.chars = n
			}
		}
		if m.chars < 0 {
			return m, false // every class disabled: no password is accepted
		}
	default:
		return m, false
	}
	return m, true
}

// checkPAM: OS-003 (minimum password length) and the PAM half of OS-005.
// The password stack of the passwd service is the one that checks new
// passwords; its minimum length is the largest minlen of its modules, as
// if every module ran (a jump over a module in the stack is not followed).
func (r *run) checkPAM() {
	rules, pam := r.pamStack("passwd", "password")
	if !pam {
		r.checkMinLenNoPAM()
		return
	}
	var pwqConf pwqualityConf
	pwq := func() pwqualityConf {
		if pwqConf == nil {
			pwqConf = r.readPwquality()
		}
		return pwqConf
	}
	best, found := minLength{}, false
	for _, rule := range rules {
		if m, ok := r.moduleMinLength(rule, pwq); ok && (!found || m.chars > best.chars) {
			best, found = m, true
		}
	}
	switch {
	case !found && len(rules) > 0:
		first := rules[0]
		r.add(defMinLen, "no module of the passwd service's password stack checks the length of new passwords",
			r.evidence(first.File, first.Line, first.Layer, snippet(first.Text)), "passwd")
	case found && best.chars < 8:
		r.add(defMinLen, fmt.Sprintf("new passwords may be %d characters long: %s is the longest minimum of the passwd service's password stack", best.chars, best.why),
			r.evidence(best.file, best.line, best.layer, snippet(best.text)), "passwd")
	}

	// the hashing method of pam_unix
	for _, rule := range rules {
		if rule.moduleName() != "pam_unix" {
			continue
		}
		method := ""
		for _, a := range rule.Args {
			switch a {
			case "md5", "bigcrypt", "sha256", "sha512", "blowfish", "gost_yescrypt", "yescrypt":
				method = a // the last one wins, as in pam_unix's _set_ctrl
			}
		}
		ev := r.evidence(rule.File, rule.Line, rule.Layer, snippet(rule.Text))
		switch {
		case method == "md5" || method == "bigcrypt":
			r.add(defEncryptMethod, fmt.Sprintf("pam_unix hashes new passwords with %s (its %s option)", map[string]string{"md5": "MD5 crypt", "bigcrypt": "bigcrypt (DES)"}[method], method), ev, "pam_unix")
		case method == "" && !r.fsys.Exists(loginDefsPath):
			r.add(defEncryptMethod, "pam_unix has no hashing option and there is no /etc/login.defs to give it ENCRYPT_METHOD: it hashes new passwords with DES crypt", ev, "pam_unix")
		}
	}
}

// checkMinLenNoPAM: without PAM, shadow's passwd checks PASS_MIN_LEN of
// login.defs (0 when absent). Only done when login.defs exists.
func (r *run) checkMinLenNoPAM() {
	data, layer, ok := r.read(loginDefsPath)
	if !ok {
		return
	}
	defs := parseLoginDefs(data)
	v, set, _ := defs.number("PASS_MIN_LEN")
	if set && v >= 8 {
		return
	}
	msg := "the image has no PAM configuration and PASS_MIN_LEN is not set: passwd accepts passwords of any length"
	line, snip := 0, ""
	if dv, ok := defs["PASS_MIN_LEN"]; ok {
		line, snip = dv.Line, "PASS_MIN_LEN "+dv.Value
		msg = fmt.Sprintf("the image has no PAM configuration and PASS_MIN_LEN is %q: passwd accepts shorter passwords than 8 characters", dv.Value)
	}
	r.add(defMinLen, msg, r.evidence(loginDefsPath, line, layer, snip), "PASS_MIN_LEN")
}
