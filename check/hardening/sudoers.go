package hardening

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/layerfs"
)

// sudoersLine is a logical line of a sudoers file: continuation lines
// joined, comments removed.
type sudoersLine struct {
	Text string
	Line int // of its first physical line
}

// parseSudoers splits a sudoers file into logical lines the way sudo's
// lexer reads them: a backslash at the end of a line continues it, and #
// starts a comment unless it begins a user or group ID (#1000), or a line's
// #include or #includedir directive.
func parseSudoers(data []byte) []sudoersLine {
	var out []sudoersLine
	var cur strings.Builder
	start := 0
	for i, raw := range lines(data) {
		if cur.Len() == 0 {
			start = i + 1
		}
		raw = stripSudoersComment(raw, cur.Len() == 0)
		if strings.HasSuffix(raw, `\`) {
			cur.WriteString(strings.TrimSuffix(raw, `\`))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(raw)
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, sudoersLine{Text: t, Line: start})
		}
		cur.Reset()
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, sudoersLine{Text: t, Line: start})
	}
	return out
}

func stripSudoersComment(s string, lineStart bool) string {
	if lineStart {
		t := strings.TrimLeft(s, " \t")
		if strings.HasPrefix(t, "#include") {
			return t
		}
	}
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '#' && !inQuote:
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				continue // a uid or gid: #1000, %#1000
			}
			return s[:i]
		}
	}
	return s
}

var (
	sudoInclude    = regexp.MustCompile(`^[#@](include|includedir)\s+(.+)$`)
	sudoNoPasswd   = regexp.MustCompile(`(^|[\s,=(:])NOPASSWD\s*:`)
	sudoDefaults   = regexp.MustCompile(`^Defaults([:@>!]\S*)?\s+(.*)$`)
	sudoNoAuthFlag = regexp.MustCompile(`(^|[\s,])!+\s*authenticate\b`)
)

const (
	sudoersPath = "etc/sudoers"
	// maxSudoersDepth bounds include nesting; sudo stops at 128, files
	// that include each other are stopped at once.
	maxSudoersDepth = 16
	maxSudoersFiles = 256
)

// checkSudoers: OS-024. sudoers and what it includes (#include and
// @include files, relative to the including file's directory; #includedir
// and @includedir: the files of a directory whose names neither end in ~
// nor contain a dot, in lexical order).
func (r *run) checkSudoers() {
	if !r.fsys.Exists(sudoersPath) {
		return
	}
	st := &sudoParse{}
	r.sudoersFile(st, sudoersPath)
}

type sudoParse struct {
	stack []string
	files int
}

func (r *run) sudoersFile(st *sudoParse, p string) {
	if len(st.stack) >= maxSudoersDepth || slices.Contains(st.stack, p) {
		r.warn(p, -1, "sudoers include loop or nesting deeper than %d levels (%s): not followed", maxSudoersDepth, strings.Join(append(slices.Clone(st.stack), p), " -> "))
		return
	}
	if st.files++; st.files > maxSudoersFiles {
		if st.files == maxSudoersFiles+1 {
			r.warn(p, -1, "sudoers includes more than %d files: the rest are not read", maxSudoersFiles)
		}
		return
	}
	data, layer, ok := r.read(p)
	if !ok {
		return
	}
	st.stack = append(st.stack, p)
	defer func() { st.stack = st.stack[:len(st.stack)-1] }()
	for _, l := range parseSudoers(data) {
		if m := sudoInclude.FindStringSubmatch(l.Text); m != nil {
			target := strings.Trim(strings.TrimSpace(m[2]), `"`)
			if !strings.HasPrefix(target, "/") {
				target = path.Join("/", path.Dir(p), target)
			}
			target = strings.TrimPrefix(path.Clean(target), "/")
			if m[1] == "include" {
				r.sudoersFile(st, target)
				continue
			}
			for _, f := range r.fsys.Glob(target + "/*") {
				base := path.Base(f)
				if strings.HasSuffix(base, "~") || strings.Contains(base, ".") {
					continue
				}
				if info, err := r.fsys.Stat(f); err != nil || info.Type != layerfs.TypeFile {
					continue
				}
				r.sudoersFile(st, f)
			}
			continue
		}
		ev := r.evidence(p, l.Line, layer, snippet(l.Text))
		if m := sudoDefaults.FindStringSubmatch(l.Text); m != nil {
			if sudoNoAuthFlag.MatchString(m[2]) {
				scope := "every rule"
				if m[1] != "" {
					scope = "the rules of Defaults" + m[1]
				}
				r.add(defSudoNoPasswd, fmt.Sprintf("sudo authentication is turned off (!authenticate) for %s", scope), ev, l.Text)
			}
			continue
		}
		if strings.HasSuffix(strings.Fields(l.Text)[0], "_Alias") {
			continue // User_Alias, Cmnd_Alias...: no tags there
		}
		if sudoNoPasswd.MatchString(l.Text) {
			who := strings.Fields(l.Text)[0]
			r.add(defSudoNoPasswd, fmt.Sprintf("sudo rule for %s needs no password (NOPASSWD)", who), ev, l.Text)
		}
	}
}
