package imageconfig

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/inventory"
)

// maxCreatedBy bounds the history text analysed per entry; longer text is
// cut (a RUN line of a real build is far shorter).
const maxCreatedBy = 256 << 10

// entry is one build step of an image's history.
type entry struct {
	object    string // "history[5]" or "layers[2].createdBy"
	layer     int    // the layer it made, -1 for none or unknown
	createdBy string
}

// historyOf lists the build steps: the configuration's history when it
// has one (it includes the steps that made no layer), else the layers'
// CreatedBy. Layer indexes are given only when the history's non-empty
// steps match the layers one to one.
func historyOf(cfg *v1.ConfigFile, layers []inventory.Layer) []entry {
	if cfg == nil || len(cfg.History) == 0 {
		out := make([]entry, 0, len(layers))
		for _, l := range layers {
			out = append(out, entry{object: "layers[" + strconv.Itoa(l.Index) + "].createdBy", layer: l.Index, createdBy: l.CreatedBy})
		}
		return out
	}
	nonEmpty := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	known := nonEmpty == len(cfg.RootFS.DiffIDs)
	out := make([]entry, 0, len(cfg.History))
	layer := 0
	for i, h := range cfg.History {
		e := entry{object: "history[" + strconv.Itoa(i) + "]", layer: -1, createdBy: h.CreatedBy}
		if !h.EmptyLayer {
			if known {
				e.layer = layer
			}
			layer++
		}
		out = append(out, e)
	}
	return out
}

// assignment is NAME=VALUE in history text; start and end locate the
// value in the text (end may reach past the value when its end is
// ambiguous, so that redaction errs on the side of hiding more).
type assignment struct {
	name, value string
	start, end  int
}

// instruction is a history entry's build instruction.
type instruction struct {
	// name is the upper-case instruction (RUN, ADD, ENV...), "" when the
	// entry records none (docker import, an empty created_by).
	name string
	// args follows the name; for RUN, the build arguments are removed.
	args string
	// assignments are ENV, ARG and LABEL pairs, or a RUN's build
	// arguments.
	assignments []assignment
	// script is a RUN's command: the shell script of the shell form, or
	// the words of the exec form.
	script string
}

// Builders record a step in one of these forms:
//
//	/bin/sh -c #(nop)  ENV A=b          legacy builder, no-op steps
//	|2 A=b C=d /bin/sh -c make          legacy builder, RUN with build args
//	/bin/sh -c make                     legacy builder, RUN
//	RUN |1 A=b /bin/sh -c make # buildkit
//	ADD https://x/y /dst # buildkit     BuildKit
var (
	buildArgsPrefix = regexp.MustCompile(`^\|([0-9]+) `)
	nameAssignment  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-/]*=`)
	upperWord       = regexp.MustCompile(`^[A-Z]+$`)
)

// parseCreatedBy splits the build instruction a history entry records.
func parseCreatedBy(s string) instruction {
	end := len(strings.TrimSuffix(strings.TrimRight(s, " "), " # buildkit"))
	start := 0
	if i := strings.Index(s[:end], "#(nop)"); i >= 0 {
		start = skipSpaces(s, i+len("#(nop)"))
	} else if start = skipSpaces(s, 0); start >= end {
		return instruction{}
	}
	word, wordEnd := nextWord(s[:end], start)
	in := instruction{name: "RUN"}
	argStart := start
	if upperWord.MatchString(word) {
		in.name, argStart = word, skipSpaces(s, wordEnd)
	}
	argStart = min(argStart, end)
	in.args = s[argStart:end]
	switch in.name {
	case "RUN":
		in.assignments, in.script = parseRun(s[:end], argStart)
		in.args = in.script
	case "ENV", "ARG", "LABEL":
		in.assignments = parseAssignments(s[:end], argStart, -1, len(s[:end]))
	}
	return in
}

// parseRun splits a RUN step into its build arguments ("|N A=b ...") and
// its command, and returns the command's shell script.
func parseRun(s string, from int) ([]assignment, string) {
	m := buildArgsPrefix.FindStringSubmatch(s[from:])
	if m == nil {
		return nil, shellScript(s[from:])
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n == 0 {
		return nil, shellScript(s[from+len(m[0]):])
	}
	from += len(m[0])
	// The builders join "A=b" words and the command with spaces, so a
	// value with a space is ambiguous. The command of the shell form
	// starts with "<shell> -c": when that is found, the N values end
	// there; otherwise the last value is taken to end at its first
	// space (and redaction hides everything after it).
	cmd := shellMarker(s, from)
	limit := cmd
	if cmd < 0 {
		limit = len(s)
	}
	args := parseAssignments(s, from, n, limit)
	if len(args) == 0 {
		return nil, shellScript(s[from:])
	}
	if cmd < 0 {
		last := &args[len(args)-1]
		valueEnd := last.start + strings.IndexByte(s[last.start:]+" ", ' ')
		last.value = s[last.start:valueEnd]
		cmd = min(skipSpaces(s, valueEnd), len(s))
		last.end = len(s)
	}
	return args, shellScript(s[cmd:])
}

// parseAssignments reads NAME=VALUE words from s[from:limit], at most n of
// them (n < 0: all). A word that does not start NAME= continues the
// previous value. Values stop at the next assignment or at limit.
func parseAssignments(s string, from, n, limit int) []assignment {
	var out []assignment
	for pos := from; pos < limit; {
		word, wordEnd := nextWord(s[:limit], pos)
		if word == "" {
			break
		}
		if m := nameAssignment.FindString(word); m != "" && (n < 0 || len(out) < n) {
			if len(out) > 0 {
				closeValue(s, &out[len(out)-1], pos)
			}
			out = append(out, assignment{name: m[:len(m)-1], start: pos + len(m), end: limit})
		}
		pos = skipSpaces(s[:limit], wordEnd)
	}
	if len(out) > 0 {
		closeValue(s, &out[len(out)-1], limit)
	}
	return out
}

// closeValue ends a's value just before the space preceding end.
func closeValue(s string, a *assignment, end int) {
	a.end = max(a.start, len(strings.TrimRight(s[:end], " ")))
	a.value = s[a.start:a.end]
}

var shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true}

// shellMarker returns where "<shell> -c " starts in s[from:], or -1.
func shellMarker(s string, from int) int {
	for pos := from; pos < len(s); {
		word, wordEnd := nextWord(s, pos)
		if word == "" {
			break
		}
		if shells[path.Base(word)] && strings.HasPrefix(s[wordEnd:], " -c ") {
			return pos
		}
		pos = skipSpaces(s, wordEnd)
	}
	return -1
}

// shellScript returns the script of "<shell> -c script", or cmd itself
// for the exec form (its words joined by spaces).
func shellScript(cmd string) string {
	word, wordEnd := nextWord(cmd, 0)
	if shells[path.Base(word)] && strings.HasPrefix(cmd[wordEnd:], " -c ") {
		return cmd[wordEnd+len(" -c "):]
	}
	return cmd
}

// nextWord returns the space-delimited word at s[pos:] and where it ends.
func nextWord(s string, pos int) (string, int) {
	if pos >= len(s) {
		return "", len(s)
	}
	end := strings.IndexByte(s[pos:], ' ')
	if end < 0 {
		return s[pos:], len(s)
	}
	return s[pos : pos+end], pos + end
}

func skipSpaces(s string, pos int) int {
	for pos < len(s) && s[pos] == ' ' {
		pos++
	}
	return pos
}
