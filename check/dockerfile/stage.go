package dockerfile

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile/secretvar"
	"github.com/vigil-dev/vigil/check/dockerfile/shellscript"
)

// checkStage runs the per-instruction checks on stage i. Build-time risks
// (downloads, sudo, secrets) are reported in every stage; what only
// matters in the built image (apt leftovers, EXPOSE, the copied context)
// only in the final stage and the stages it derives from.
func (f *file) checkStage(i int, inFinal bool) []check.Finding {
	var out []check.Finding
	for _, c := range f.stages[i].Commands {
		line, text := location(c)
		ev := f.evidence(line, text)
		switch c := c.(type) {
		case *instructions.RunCommand:
			out = append(out, f.checkRun(c, ev, inFinal)...)
		case *instructions.AddCommand:
			out = append(out, checkRemoteAdd(c, ev)...)
			if inFinal {
				out = append(out, f.checkWholeContext("ADD", c.SourcePaths, ev)...)
			}
		case *instructions.CopyCommand:
			if inFinal && c.From == "" {
				out = append(out, f.checkWholeContext("COPY", c.SourcePaths, ev)...)
			}
		case *instructions.ArgCommand:
			out = append(out, checkArgs(c.Args, false, ev)...)
		case *instructions.EnvCommand:
			out = append(out, checkEnv(c.Env, ev)...)
		case *instructions.ExposeCommand:
			if inFinal {
				out = append(out, checkExpose(c.Ports, ev)...)
			}
		}
	}
	return out
}

// checkMetaArgs checks the ARGs before the first FROM. Only their defaults
// can leak: a meta ARG is not part of any stage's RUN environment.
func (f *file) checkMetaArgs() []check.Finding {
	var out []check.Finding
	for _, a := range f.metaArgs {
		line, text := location(&a)
		out = append(out, checkArgs(a.Args, true, f.evidence(line, text))...)
	}
	return out
}

// checkArgs reports ARGs that hold, or will receive, a secret.
func checkArgs(args []instructions.KeyValuePairOptional, meta bool, ev check.Evidence) []check.Finding {
	var out []check.Finding
	for _, kv := range args {
		value := kv.ValueString()
		ev.Snippet = "ARG " + kv.Key
		if kv.Value != nil {
			ev.Snippet += "=" + secretvar.Redacted
		}
		if why, ok := secretvar.Match(kv.Key, value); ok {
			out = append(out, check.New(&SecretArgEnv, fmt.Sprintf("ARG %s has a secret default: %s", kv.Key, why), ev))
		} else if !meta && secretvar.Named(kv.Key) {
			msg := fmt.Sprintf("ARG %s is named as a secret: a value passed with --build-arg is recorded in the image history", kv.Key)
			out = append(out, check.New(&SecretArgEnv, msg, ev))
		}
	}
	return out
}

// checkEnv reports ENV values that are secrets.
func checkEnv(env instructions.KeyValuePairs, ev check.Evidence) []check.Finding {
	var out []check.Finding
	for _, kv := range env {
		if why, ok := secretvar.Match(kv.Key, kv.Value); ok {
			ev.Snippet = "ENV " + kv.Key + "=" + secretvar.Redacted
			out = append(out, check.New(&SecretArgEnv, fmt.Sprintf("ENV %s holds a secret: %s", kv.Key, why), ev))
		}
	}
	return out
}

// checkRemoteAdd reports ADD of a URL or git repository without checksum.
func checkRemoteAdd(c *instructions.AddCommand, ev check.Evidence) []check.Finding {
	if c.Checksum != "" {
		return nil // the builder verifies the download against it
	}
	for _, src := range c.SourcePaths {
		if remoteSource(src) {
			return []check.Finding{check.New(&RemoteAdd, "ADD downloads "+secretvar.RedactText(src)+" without --checksum", ev)}
		}
	}
	return nil
}

// remoteSource reports whether an ADD source is fetched over the network
// (a URL, or a git repository as BuildKit accepts one).
func remoteSource(src string) bool {
	lower := strings.ToLower(src)
	for _, p := range []string{"http://", "https://", "git@", "git://", "ssh://"} {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// checkWholeContext reports COPY/ADD of the whole context without a
// .dockerignore.
func (f *file) checkWholeContext(instr string, srcs []string, ev check.Evidence) []check.Finding {
	if f.contextIgnored {
		return nil
	}
	for _, src := range srcs {
		if path.Clean(src) == "." {
			msg := instr + " copies the whole build context and no .dockerignore was found beside the Dockerfile"
			return []check.Finding{check.New(&WholeContext, msg, ev)}
		}
	}
	return nil
}

// checkExpose reports exposed remote administration ports ("22",
// "22/tcp", "5900-5910").
func checkExpose(ports []string, ev check.Evidence) []check.Finding {
	var out []check.Finding
	for _, p := range ports {
		num, _, _ := strings.Cut(p, "/")
		lo, hi, isRange := strings.Cut(num, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if !isRange {
			last, err2 = first, nil
		}
		if err1 != nil || err2 != nil || last < first {
			continue
		}
		for port := range remoteAdminPorts {
			if port >= first && port <= last {
				msg := fmt.Sprintf("EXPOSE %s opens port %d (%s)", p, port, remoteAdminPorts[port])
				out = append(out, check.New(&RemoteAdminPort, msg, ev))
			}
		}
	}
	return out
}

// checkRun checks a RUN's scripts.
func (f *file) checkRun(c *instructions.RunCommand, ev check.Evidence, inFinal bool) []check.Finding {
	var out []check.Finding
	var updated, cleaned bool
	for _, src := range runScripts(c) {
		sh, err := shellscript.Parse(src)
		if err != nil {
			continue // not shell syntax: nothing can be said about it
		}
		if cmd, ok := sh.DownloadToShell(); ok {
			out = append(out, check.New(&DownloadToShell, "RUN pipes a download into a shell: "+secretvar.RedactText(cmd), ev))
		}
		if calls := sh.Calls("sudo"); len(calls) > 0 {
			out = append(out, check.New(&Sudo, "RUN uses sudo: "+secretvar.RedactText(calls[0]), ev))
		}
		if !inFinal {
			continue
		}
		apt := sh.Apt()
		for _, in := range apt.Installs {
			if !in.NoRecommends {
				out = append(out, check.New(&AptRecommends, "RUN installs recommended packages: "+secretvar.RedactText(in.Text), ev))
			}
		}
		updated = updated || apt.Update != ""
		cleaned = cleaned || apt.ListsRemoved
	}
	if inFinal && updated && !cleaned && !aptListsMounted(c) {
		out = append(out, check.New(&AptLists, "RUN runs apt-get update and leaves /var/lib/apt/lists in the layer", ev))
	}
	return out
}

// runScripts returns the shell scripts a RUN executes: its command line
// (the shell form as written; the exec form quoted word by word, unless it
// runs `sh -c SCRIPT`) and its heredoc files.
func runScripts(c *instructions.RunCommand) []string {
	var out []string
	switch args := c.CmdLine; {
	case c.PrependShell:
		out = append(out, strings.Join(args, " "))
	case len(args) >= 3 && isShell(args[0]) && args[1] == "-c":
		out = append(out, args[2])
	default:
		quoted := make([]string, 0, len(args))
		for _, a := range args {
			q, err := syntax.Quote(a, syntax.LangBash)
			if err != nil {
				return nil // a word no shell could hold (NUL bytes)
			}
			quoted = append(quoted, q)
		}
		out = append(out, strings.Join(quoted, " "))
	}
	for _, h := range c.Files {
		out = append(out, h.Data)
	}
	return out
}

func isShell(word string) bool {
	switch path.Base(word) {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh":
		return true
	}
	return false
}

// aptListsMounted reports whether the RUN mounts a cache or tmpfs over
// /var/lib/apt (then the lists never reach the layer).
func aptListsMounted(c *instructions.RunCommand) bool {
	if err := c.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		return false
	}
	for _, m := range instructions.GetMounts(c) {
		if (m.Type == instructions.MountTypeCache || m.Type == instructions.MountTypeTmpfs) &&
			strings.HasPrefix(path.Clean(m.Target)+"/", "/var/lib/apt/") {
			return true
		}
	}
	return false
}

// checkUser reports a final stage that runs as root: its last USER (or
// that of the stages it derives from) is root or UID 0, or there is none.
func (f *file) checkUser() []check.Finding {
	for _, i := range f.chain() {
		cmds := f.stages[i].Commands
		for j := len(cmds) - 1; j >= 0; j-- {
			u, ok := cmds[j].(*instructions.UserCommand)
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(u.User, ":")
			if name != "root" && name != "0" {
				return nil // a variable, a name or a UID other than 0
			}
			line, text := location(u)
			return []check.Finding{check.New(&RootUser, "the final stage runs as "+u.User, f.evidence(line, text))}
		}
	}
	final := &f.stages[len(f.stages)-1]
	return []check.Finding{check.New(&RootUser, "the final stage sets no USER: it runs as the base image's user, root unless the base sets another", f.fromEvidence(final))}
}

// checkHealthcheck reports a final stage without HEALTHCHECK, or with
// HEALTHCHECK NONE.
func (f *file) checkHealthcheck() []check.Finding {
	for _, i := range f.chain() {
		cmds := f.stages[i].Commands
		for j := len(cmds) - 1; j >= 0; j-- {
			h, ok := cmds[j].(*instructions.HealthCheckCommand)
			if !ok {
				continue
			}
			if h.Health == nil || len(h.Health.Test) == 0 || !strings.EqualFold(h.Health.Test[0], "NONE") {
				return nil
			}
			line, text := location(h)
			return []check.Finding{check.New(&NoHealthcheck, "the final stage disables the health check", f.evidence(line, text))}
		}
	}
	final := &f.stages[len(f.stages)-1]
	return []check.Finding{check.New(&NoHealthcheck, "the final stage has no HEALTHCHECK", f.fromEvidence(final))}
}

// fromEvidence locates a stage's FROM.
func (f *file) fromEvidence(st *instructions.Stage) check.Evidence {
	line := 0
	if len(st.Location) > 0 {
		line = st.Location[0].Start.Line
	}
	return f.evidence(line, st.SourceCode)
}
