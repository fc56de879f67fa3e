// Package cli implements vigil's command line: subcommands and flags only.
// Each subcommand parses its flags and calls one library entry point.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/vigil-dev/vigil/internal/version"
)

// Exit codes, documented in the README and in `vigil help`.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

type command struct {
	name    string
	summary string
	usage   string // arguments after the command name
	example string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may touch: no globals, so tests run the CLI
// in-process with their own streams and environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []*command {
	return []*command{
		sbomCommand(),
		dbCommand(),
		scanCommand(),
		checksCommand(),
		{
			name: "version", summary: "print vigil's version", example: "vigil version",
			run: func(_ context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usageError("version takes no arguments")
				}
				fmt.Fprintf(e.stdout, "vigil %s\n", version.String())
				return nil
			},
		},
	}
}

type usageErr struct{ msg string }

func (u *usageErr) Error() string { return u.msg }

func usageError(format string, a ...any) error { return &usageErr{fmt.Sprintf(format, a...)} }

// Main runs vigil with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	cmds := commands()
	if len(args) == 0 {
		printHelp(stderr, cmds)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			for _, c := range cmds {
				if c.name == args[1] {
					return Main(ctx, []string{c.name, "--help"}, stdin, stdout, stderr)
				}
			}
			fmt.Fprintf(stderr, "vigil: unknown command %q\n", args[1])
			return ExitUsage
		}
		printHelp(stdout, cmds)
		return ExitOK
	case "--version", "-version":
		name = "version"
	}
	for _, c := range cmds {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ue *usageErr
		var gf *gateFailure
		switch {
		case err == nil:
			return ExitOK
		case errors.As(err, &gf):
			fmt.Fprintf(stderr, "vigil %s: %v (--fail-on)\n", c.name, err)
			return gf.code
		case errors.Is(err, flag.ErrHelp):
			return ExitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "vigil %s: %v\nRun 'vigil help %s' for usage.\n", c.name, err, c.name)
			return ExitUsage
		case errors.Is(err, context.Canceled):
			fmt.Fprintf(stderr, "vigil %s: interrupted\n", c.name)
			return ExitError
		default:
			fmt.Fprintf(stderr, "vigil %s: %v\n", c.name, err)
			return ExitError
		}
	}
	fmt.Fprintf(stderr, "vigil: unknown command %q\nRun 'vigil help' for a list of commands.\n", name)
	return ExitUsage
}

func printHelp(w io.Writer, cmds []*command) {
	fmt.Fprintf(w, `vigil %s: container security from build to run

Usage:
  vigil <command> [flags] [arguments]

Commands:
`, version.String())
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nExamples:\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %s\n", c.example)
	}
	fmt.Fprintf(w, `
Image sources (prefix, or detected from the argument):
  docker-archive:FILE[:TAG]   a 'docker save' tar
  oci:DIR[:TAG]               an OCI image layout directory
  oci-archive:FILE[:TAG]      an OCI image layout in a tar
  registry:REF                an image in a registry (also a bare reference)
  docker:REF                  an image in the local Docker Engine
  dir:PATH                    a root file system or source tree

Exit codes:
  0  success
  1  error (the message names the image, layer and path concerned)
  2  bad usage
  3  'vigil scan --fail-on': findings at or above that severity (--exit-code sets it)

Environment:
  VIGIL_CACHE_DIR   where layer extracts and the vulnerability database are kept
                    (default: the user cache directory)
  VIGIL_DB_SOURCE   base URL of the OSV exports 'vigil db update' downloads
                    (default: the live OSV exports; set it to a mirror)
  DOCKER_HOST       the Docker Engine to use for docker: sources
  DOCKER_CONFIG     where registry credentials are read from

Run 'vigil help <command>' for a command's flags.
`)
}

// newFlagSet returns a flag set whose usage text shows the command's
// arguments and example.
func newFlagSet(e *env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: vigil %s %s\n\n%s.\n\nFlags:\n", c.name, c.usage, strings.ToUpper(c.summary[:1])+c.summary[1:])
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nExample:\n  %s\n", c.example)
	}
	return fs
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("vigil sbom IMAGE --format json"), as users expect.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
