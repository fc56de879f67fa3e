// Package dockerfile checks Dockerfiles for insecure practices: unpinned
// base images, a final stage running as root, remote ADD without checksum,
// apt-get habits, downloads piped into a shell, secrets in ARG and ENV,
// no HEALTHCHECK, sudo, remote administration ports and copying the whole
// build context.
//
// Dockerfiles are parsed with BuildKit's own parser and instruction
// decoder (github.com/moby/buildkit/frontend/dockerfile), so every syntax
// Docker accepts (heredocs, JSON forms, escape directives, line
// continuations) is read as Docker reads it; RUN scripts are analysed with
// a shell parser (package shellscript).
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile/secretvar"
)

// DefaultMaxSize bounds the Dockerfiles Check reads when Options.MaxSize
// is zero. Real Dockerfiles are a few kilobytes.
const DefaultMaxSize = 1 << 20

// Options adjust Check. The zero value is valid.
type Options struct {
	// ContextDir is the build context. When it holds a .dockerignore (or
	// <Dockerfile name>.dockerignore), copying the whole context is not
	// reported. Empty means the context is unknown.
	ContextDir string
	// MaxSize bounds the Dockerfile's size in bytes; 0 means
	// DefaultMaxSize.
	MaxSize int64
}

// Error is a Dockerfile that cannot be read or parsed.
type Error struct {
	File string
	// Line is where the problem is, 0 when unknown.
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is the cause of an Error for a Dockerfile above the size
// limit.
var ErrTooLarge = errors.New("exceeds the size limit")

// Check reads the Dockerfile r (named name in findings) and runs every
// check of this package on it. A Dockerfile that BuildKit would reject, or
// that exceeds the size limit, gives an *Error.
func Check(name string, r io.Reader, opts Options) ([]check.Finding, error) {
	f, err := parse(name, r, opts.maxSize())
	if err != nil {
		return nil, err
	}
	f.contextIgnored = hasDockerignore(opts.ContextDir, name)
	out := f.run()
	check.Sort(out)
	return out, nil
}

func (o Options) maxSize() int64 {
	if o.MaxSize > 0 {
		return o.MaxSize
	}
	return DefaultMaxSize
}

// file is a parsed Dockerfile.
type file struct {
	name     string
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
	escape   rune
	// contextIgnored is set when a .dockerignore applies to the context.
	contextIgnored bool
}

func parse(name string, r io.Reader, limit int64) (*file, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &Error{File: name, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &Error{File: name, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, limit)}
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, parseError(name, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, parseError(name, err)
	}
	if len(stages) == 0 {
		return nil, &Error{File: name, Err: errors.New("no FROM instruction")}
	}
	return &file{name: name, stages: stages, metaArgs: metaArgs, escape: res.EscapeToken}, nil
}

// parseError locates a BuildKit parse error.
func parseError(name string, err error) error {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return &Error{File: name, Line: le.Locations[0][0].Start.Line, Err: le.Unwrap()}
	}
	return &Error{File: name, Err: err}
}

// hasDockerignore reports whether the context dir has a .dockerignore
// that applies to the Dockerfile named name.
func hasDockerignore(dir, name string) bool {
	if dir == "" {
		return false
	}
	for _, p := range []string{".dockerignore", filepath.Base(name) + ".dockerignore"} {
		if st, err := os.Stat(filepath.Join(dir, p)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// run runs all checks.
func (f *file) run() []check.Finding {
	var out []check.Finding
	out = append(out, f.checkMetaArgs()...)
	final := f.finalChain()
	for i := range f.stages {
		out = append(out, f.checkFrom(i)...)
		out = append(out, f.checkStage(i, final[i])...)
	}
	out = append(out, f.checkUser()...)
	out = append(out, f.checkHealthcheck()...)
	return out
}

// evidence locates a command of the Dockerfile; the snippet is its text
// with credentials redacted.
func (f *file) evidence(line int, text string) check.Evidence {
	return check.Evidence{File: f.name, Line: line, Layer: -1, Snippet: secretvar.RedactText(text)}
}

// location returns a command's first line and source text.
func location(c instructions.Command) (int, string) {
	line := 0
	if loc := c.Location(); len(loc) > 0 {
		line = loc[0].Start.Line
	}
	text := ""
	if s, ok := c.(fmt.Stringer); ok {
		text = s.String()
	}
	return line, text
}

// stageIndex returns the index of the stage before stage i named name
// (stage names are case-insensitive), or -1.
func (f *file) stageIndex(i int, name string) int {
	for j := i - 1; j >= 0; j-- {
		if f.stages[j].Name != "" && strings.EqualFold(f.stages[j].Name, name) {
			return j
		}
	}
	return -1
}

// finalChain marks the final stage and the stages it derives from by
// FROM: what ends up in the built image.
func (f *file) finalChain() []bool {
	in := make([]bool, len(f.stages))
	for i := len(f.stages) - 1; i >= 0 && !in[i]; {
		in[i] = true
		base, ok := f.expandBase(i)
		if !ok {
			break
		}
		if i = f.stageIndex(i, base); i < 0 {
			break
		}
	}
	return in
}

// chain returns the final stage and the stages it derives from, final
// first.
func (f *file) chain() []int {
	final := f.finalChain()
	var out []int
	for i := len(f.stages) - 1; i >= 0; i-- {
		if final[i] {
			out = append(out, i)
		}
	}
	return out
}
