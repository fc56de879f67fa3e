package imageconfig

import (
	"fmt"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile/secretvar"
	"github.com/vigil-dev/vigil/check/dockerfile/shellscript"
)

// checkHistory runs the history checks on every build step.
func checkHistory(cfg *v1.ConfigFile, steps []entry) []check.Finding {
	h := historyChecker{seen: map[string]bool{}, inConfig: configPairs(cfg)}
	var out []check.Finding
	for _, e := range steps {
		out = append(out, h.step(e)...)
	}
	return out
}

type historyChecker struct {
	// seen holds the NAME=VALUE secrets already reported: a build
	// argument shows on every RUN after its ARG, and is reported once.
	seen map[string]bool
	// inConfig holds the ENV and LABEL pairs still in the configuration,
	// which IMG-004 reports.
	inConfig map[string]bool
}

func configPairs(cfg *v1.ConfigFile) map[string]bool {
	pairs := map[string]bool{}
	if cfg == nil {
		return pairs
	}
	for _, kv := range cfg.Config.Env {
		pairs[kv] = true
	}
	for k, v := range cfg.Config.Labels {
		pairs[k+"="+v] = true
	}
	return pairs
}

// step checks one build step.
func (h *historyChecker) step(e entry) []check.Finding {
	text := strings.ToValidUTF8(e.createdBy[:min(len(e.createdBy), maxCreatedBy)], "")
	in := parseCreatedBy(text)
	if in.name == "" {
		return nil
	}
	var secrets []assignment
	for _, a := range in.assignments {
		if _, ok := secretvar.Match(a.name, a.value); ok {
			secrets = append(secrets, a)
		}
	}
	// Evidence never shows a secret: the assignments' values are cut out,
	// then any credential left in the text.
	withoutValues := redact(text, secrets)
	ev := check.Evidence{Layer: e.layer, Object: e.object, CreatedBy: secretvar.RedactText(withoutValues)}
	out := h.secretFindings(in.name, secrets, ev)
	if kind := secretvar.Shape(withoutValues); kind != "" {
		out = append(out, check.New(&SecretInHistory, "the build instruction contains "+kind, withSnippet(ev, ev.CreatedBy)))
	}
	switch in.name {
	case "RUN":
		out = append(out, runFindings(in.script, ev)...)
	case "ADD":
		out = append(out, addFindings(in.args, ev)...)
	}
	return out
}

// secretFindings reports the secret assignments of a step (of instruction
// name) not reported before.
func (h *historyChecker) secretFindings(name string, secrets []assignment, ev check.Evidence) []check.Finding {
	var out []check.Finding
	for _, a := range secrets {
		pair := a.name + "=" + a.value
		if h.seen[pair] || (name == "ENV" || name == "LABEL") && h.inConfig[pair] {
			continue
		}
		h.seen[pair] = true
		why, _ := secretvar.Match(a.name, a.value)
		what := "build argument"
		if name == "ENV" || name == "LABEL" {
			what = name + " value, no longer in the configuration,"
		}
		msg := fmt.Sprintf("the history records the %s %s: %s", what, a.name, why)
		out = append(out, check.New(&SecretInHistory, msg, withSnippet(ev, a.name+"="+secretvar.Redacted)))
	}
	return out
}

// runFindings checks a RUN step's script.
func runFindings(script string, ev check.Evidence) []check.Finding {
	sh, err := shellscript.Parse(script)
	if err != nil {
		return nil // not shell syntax (or too large): nothing can be said
	}
	if cmd, ok := sh.DownloadToShell(); ok {
		msg := "a RUN step pipes a download into a shell: " + secretvar.RedactText(cmd)
		return []check.Finding{check.New(&DownloadToShell, msg, withSnippet(ev, secretvar.RedactText(cmd)))}
	}
	return nil
}

// legacyRemoteAdd matches the legacy builder's record of ADD from a URL:
// the downloaded content's bare hash, where local sources are recorded as
// file:HASH, dir:HASH or multi:HASH.
var legacyRemoteAdd = regexp.MustCompile(`^(--chown=\S*?)?[0-9a-f]{64} in `)

// addFindings checks an ADD step for a remote source.
func addFindings(args string, ev check.Evidence) []check.Finding {
	if m := legacyRemoteAdd.FindStringSubmatch(args); m != nil && !strings.HasSuffix(m[1], ":") {
		msg := "an ADD step downloaded a remote file (the legacy builder records only its content hash, not the URL)"
		return []check.Finding{check.New(&RemoteAdd, msg, withSnippet(ev, ev.CreatedBy))}
	}
	for _, w := range strings.Fields(args) {
		if remoteSource(w) {
			url := secretvar.RedactText(w)
			return []check.Finding{check.New(&RemoteAdd, "an ADD step downloaded "+url, withSnippet(ev, url))}
		}
	}
	return nil
}

// remoteSource reports whether an ADD source is a URL or a git remote.
func remoteSource(src string) bool {
	lower := strings.ToLower(src)
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") ||
		strings.HasPrefix(lower, "git@") || strings.HasPrefix(lower, "git://")
}

func withSnippet(ev check.Evidence, snippet string) check.Evidence {
	ev.Snippet = snippet
	return ev
}

// redact replaces the values of secret assignments in s by
// secretvar.Redacted.
func redact(s string, secrets []assignment) string {
	if len(secrets) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, a := range secrets {
		if a.start < last || a.end > len(s) {
			continue
		}
		b.WriteString(s[last:a.start])
		b.WriteString(secretvar.Redacted)
		last = a.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// RedactCreatedBy returns a history entry's build instruction with the
// values of secret build arguments, ENV and LABEL pairs and any well-known
// credential replaced by secretvar.Redacted: what a report may print of the
// image's history (`ARG PASSWORD` reaches the history of every RUN after
// it).
func RedactCreatedBy(s string) string {
	if len(s) > maxCreatedBy {
		s = s[:maxCreatedBy]
	}
	s = strings.ToValidUTF8(s, "")
	var secrets []assignment
	for _, a := range parseCreatedBy(s).assignments {
		if _, ok := secretvar.Match(a.name, a.value); ok {
			secrets = append(secrets, a)
		}
	}
	return secretvar.RedactText(redact(s, secrets))
}
