// Package shellscript analyses the shell scripts of build instructions (a
// Dockerfile's RUN, a RUN line of an image's history) for risky commands:
// a download piped into a shell, sudo, and apt-get usage.
//
// Scripts are parsed with mvdan.cc/sh, a maintained POSIX/bash parser, so
// that quoting, pipelines and command substitutions are understood: the
// text `echo "curl x | sh"` is not a pipeline, `sh -c "$(curl -fsSL x)"`
// is a download run by a shell.
package shellscript

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// MaxSize bounds the scripts Parse accepts.
const MaxSize = 1 << 20

// maxDepth bounds the nesting of parentheses, braces and backquotes: the
// parser is recursive, and hostile input must not exhaust the stack.
const maxDepth = 200

// Script is a parsed shell script.
type Script struct {
	src  string
	file *syntax.File
}

// Parse parses a shell script (bash syntax, a superset of POSIX sh).
func Parse(src string) (*Script, error) {
	if len(src) > MaxSize {
		return nil, fmt.Errorf("shell script of %d bytes exceeds the limit of %d", len(src), MaxSize)
	}
	if nestingDepth(src) > maxDepth {
		return nil, fmt.Errorf("shell script nests deeper than %d levels", maxDepth)
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return nil, err
	}
	return &Script{src: src, file: f}, nil
}

// nestingDepth over-approximates how deeply src nests: it counts openers
// and closers regardless of quoting. Backquotes cannot be told apart from
// their closing twin, so each counts as one level.
func nestingDepth(src string) int {
	depth, most, ticks := 0, 0, 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			if depth > 0 {
				depth--
			}
		case '`':
			ticks++
		}
		most = max(most, depth+ticks)
	}
	return most
}

// snippet returns the source text of n.
func (s *Script) snippet(n syntax.Node) string {
	start, end := int(n.Pos().Offset()), int(n.End().Offset())
	if start < 0 || end > len(s.src) || start >= end {
		return ""
	}
	return s.src[start:end]
}

// DownloadToShell finds a download executed by a shell or interpreter:
// `curl URL | sh`, `wget -O- URL | bash`, `sh -c "$(curl URL)"`,
// `bash <(curl URL)`, `eval "$(wget -qO- URL)"`. It returns the offending
// command's text and whether one was found.
func (s *Script) DownloadToShell() (string, bool) {
	var found syntax.Node
	syntax.Walk(s.file, func(n syntax.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.BinaryCmd:
			if pipesDownloadToShell(n) {
				found = n
				return false
			}
		case *syntax.CallExpr:
			if runsSubstitutedDownload(n) {
				found = n
				return false
			}
		}
		return true
	})
	if found == nil {
		return "", false
	}
	return s.snippet(found), true
}

// pipesDownloadToShell reports whether pipeline b has a downloader writing
// to its standard output in a stage before an interpreter stage.
func pipesDownloadToShell(b *syntax.BinaryCmd) bool {
	if b.Op != syntax.Pipe && b.Op != syntax.PipeAll {
		return false
	}
	stages := pipelineStages(b)
	downloaded := false
	for _, st := range stages {
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok {
			continue
		}
		args := unwrap(call.Args)
		if downloaded && isInterpreter(args) {
			return true
		}
		if downloadsToStdout(args) {
			downloaded = true
		}
	}
	return false
}

// pipelineStages flattens a | b | c (parsed as (a | b) | c) into stages.
func pipelineStages(b *syntax.BinaryCmd) []*syntax.Stmt {
	var out []*syntax.Stmt
	if x, ok := b.X.Cmd.(*syntax.BinaryCmd); ok && (x.Op == syntax.Pipe || x.Op == syntax.PipeAll) {
		out = append(out, pipelineStages(x)...)
	} else {
		out = append(out, b.X)
	}
	return append(out, b.Y)
}

// runsSubstitutedDownload reports whether call is an interpreter (or eval,
// source) whose arguments substitute a download's output.
func runsSubstitutedDownload(call *syntax.CallExpr) bool {
	args := unwrap(call.Args)
	if len(args) == 0 {
		return false
	}
	if name := commandName(args[0]); name != "eval" && name != "source" && name != "." && !isInterpreter(args) {
		return false
	}
	for _, w := range args[1:] {
		if substitutesDownload(w) {
			return true
		}
	}
	return false
}

// substitutesDownload reports whether word w contains a command or process
// substitution that downloads.
func substitutesDownload(w *syntax.Word) bool {
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		var stmts []*syntax.Stmt
		switch n := n.(type) {
		case *syntax.CmdSubst:
			stmts = n.Stmts
		case *syntax.ProcSubst:
			stmts = n.Stmts
		default:
			return !found
		}
		for _, st := range stmts {
			syntax.Walk(st, func(m syntax.Node) bool {
				if c, ok := m.(*syntax.CallExpr); ok && downloadsToStdout(unwrap(c.Args)) {
					found = true
				}
				return !found
			})
		}
		return false
	})
	return found
}

// interpreters run the program they read from standard input or -c.
var interpreters = map[string]bool{
	"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "ash": true, "mksh": true,
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "node": true, "php": true,
}

// isInterpreter reports whether the command args runs a shell or script
// interpreter ("busybox sh" included).
func isInterpreter(args []*syntax.Word) bool {
	if len(args) == 0 {
		return false
	}
	name := commandName(args[0])
	if name == "busybox" && len(args) > 1 {
		name = commandName(args[1])
	}
	return interpreters[name]
}

// downloadsToStdout reports whether the command args is curl without an
// output file, or wget writing to standard output (-O-, -O -,
// --output-document=-, -qO-).
func downloadsToStdout(args []*syntax.Word) bool {
	if len(args) == 0 {
		return false
	}
	switch commandName(args[0]) {
	case "curl":
		for _, a := range args[1:] {
			lit := a.Lit()
			if lit == "--output" || lit == "--remote-name" || strings.HasPrefix(lit, "--output=") ||
				shortGroup(lit) && strings.ContainsAny(lit, "oO") {
				return false
			}
		}
		return true
	case "wget":
		for i, a := range args[1:] {
			lit, next := a.Lit(), ""
			if i+2 < len(args) {
				next = args[i+2].Lit()
			}
			switch {
			case lit == "--output-document=-", shortGroup(lit) && strings.HasSuffix(lit, "O-"):
				return true
			case (lit == "--output-document" || shortGroup(lit) && strings.HasSuffix(lit, "O")) && next == "-":
				return true
			}
		}
	}
	return false
}

// shortGroup reports whether lit is a group of short options ("-fsSL").
func shortGroup(lit string) bool {
	return len(lit) >= 2 && lit[0] == '-' && lit[1] != '-'
}

// wrappers run the command that follows their own options.
var wrappers = map[string]bool{"sudo": true, "env": true, "command": true, "exec": true, "nice": true, "time": true, "nohup": true}

// unwrap drops wrapper commands (sudo, env VAR=x, exec...) and their
// options, leaving the wrapped command's words.
func unwrap(args []*syntax.Word) []*syntax.Word { return unwrapUntil(args, "") }

// unwrapUntil is unwrap stopping at the wrapper named stop.
func unwrapUntil(args []*syntax.Word, stop string) []*syntax.Word {
	for len(args) > 0 && wrappers[commandName(args[0])] && commandName(args[0]) != stop {
		args = args[1:]
		for len(args) > 0 {
			lit := args[0].Lit()
			if !strings.HasPrefix(lit, "-") && !strings.Contains(lit, "=") {
				break
			}
			args = args[1:]
		}
	}
	return args
}

// commandName is the base name of a literal command word ("/usr/bin/curl"
// gives "curl"), or "" when the word is not literal.
func commandName(w *syntax.Word) string {
	lit := w.Lit()
	if lit == "" {
		return ""
	}
	return path.Base(lit)
}

// Calls returns the text of every command of the script named name (base
// name, after wrappers other than name itself: Calls("sudo") finds
// "sudo apt-get install x").
func (s *Script) Calls(name string) []string {
	var out []string
	syntax.Walk(s.file, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		args := unwrapUntil(call.Args, name)
		if len(args) > 0 && commandName(args[0]) == name {
			out = append(out, s.snippet(call))
		}
		return true
	})
	return out
}

// AptInstall is an `apt-get install` (or `apt install`) command.
type AptInstall struct {
	// Text is the command's source text.
	Text string
	// NoRecommends is set when recommended packages are not installed
	// (--no-install-recommends, or -o APT::Install-Recommends=false|0).
	NoRecommends bool
}

// Apt summarises the script's use of apt.
type Apt struct {
	Installs []AptInstall
	// Update is the text of the first `apt-get update`, "" when none.
	Update string
	// ListsRemoved is set when the script removes /var/lib/apt/lists.
	ListsRemoved bool
}

// Apt returns what the script does with apt-get and apt.
func (s *Script) Apt() Apt {
	var a Apt
	syntax.Walk(s.file, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		args := unwrap(call.Args)
		if len(args) == 0 {
			return true
		}
		switch commandName(args[0]) {
		case "apt-get", "apt":
			s.aptCommand(&a, call, args[1:])
		case "rm":
			for _, w := range args[1:] {
				if strings.HasPrefix(path.Clean(w.Lit()), "/var/lib/apt/lists") {
					a.ListsRemoved = true
				}
			}
		}
		return true
	})
	return a
}

func (s *Script) aptCommand(a *Apt, call *syntax.CallExpr, args []*syntax.Word) {
	sub, noRec := "", false
	for i, w := range args {
		lit := w.Lit()
		switch {
		case lit == "--no-install-recommends":
			noRec = true
		case (lit == "-o" || lit == "--option") && i+1 < len(args):
			noRec = noRec || recommendsOff(args[i+1].Lit())
		case strings.HasPrefix(lit, "-o"):
			noRec = noRec || recommendsOff(strings.TrimPrefix(lit, "-o"))
		case sub == "" && lit != "" && !strings.HasPrefix(lit, "-") && (i == 0 || !optionTakesValue(args[i-1].Lit())):
			sub = lit
		}
	}
	switch sub {
	case "install":
		a.Installs = append(a.Installs, AptInstall{Text: s.snippet(call), NoRecommends: noRec})
	case "update":
		if a.Update == "" {
			a.Update = s.snippet(call)
		}
	}
}

// optionTakesValue reports whether an apt-get option consumes the next
// word.
func optionTakesValue(lit string) bool {
	switch lit {
	case "-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release":
		return true
	}
	return false
}

func recommendsOff(opt string) bool {
	k, v, ok := strings.Cut(opt, "=")
	if !ok || !strings.EqualFold(k, "APT::Install-Recommends") {
		return false
	}
	v = strings.ToLower(strings.Trim(v, `"'`))
	return v == "false" || v == "0" || v == "no" || v == "off"
}
