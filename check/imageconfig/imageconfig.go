// Package imageconfig checks an image's configuration and build history:
// the user it runs as, its health check, exposed ports, secrets in its
// environment, labels and history, remote downloads and scripts piped
// into a shell during the build, and whether it records an unpinned base.
//
// Everything comes from the image configuration (go-containerregistry's
// v1.ConfigFile, which image.Image.Config holds) and its history; nothing
// is read from the layers, except that the caller may resolve a user name
// through the image's /etc/passwd (Options.LookupUser). Secret values never
// appear in findings: evidence shows them as secretvar.Redacted.
package imageconfig

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile"
	"github.com/vigil-dev/vigil/check/dockerfile/secretvar"
	"github.com/vigil-dev/vigil/inventory"
)

// Options adjust Check. The zero value is valid.
type Options struct {
	// LookupUser resolves a user name to its UID through the image's
	// /etc/passwd. Nil means that only "root" is known to be UID 0.
	LookupUser func(name string) (uid int, ok bool)
	// Annotations are the image manifest's annotations, where an image
	// may record its base (org.opencontainers.image.base.name).
	Annotations map[string]string
}

// Check runs every check of this package on an image configuration and
// its layers (whose CreatedBy is used when the configuration has no
// history). A nil cfg gives only the history checks on layers.
func Check(cfg *v1.ConfigFile, layers []inventory.Layer, opts Options) []check.Finding {
	var out []check.Finding
	var labels map[string]string
	if cfg != nil {
		c := &cfg.Config
		out = append(out, checkUser(c.User, opts.LookupUser)...)
		out = append(out, checkHealthcheck(c.Healthcheck)...)
		out = append(out, checkPorts(c.ExposedPorts)...)
		out = append(out, checkEnv(c.Env)...)
		out = append(out, checkLabels(c.Labels)...)
		labels = c.Labels
	}
	out = append(out, checkBase(labels, opts.Annotations)...)
	out = append(out, checkHistory(cfg, historyOf(cfg, layers))...)
	check.Sort(out)
	return out
}

func configEvidence(object, snippet string) check.Evidence {
	return check.Evidence{Layer: -1, Object: object, Snippet: snippet}
}

// checkUser reports a configuration that runs as root.
func checkUser(user string, lookup func(string) (int, bool)) []check.Finding {
	name, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	var why string
	switch {
	case name == "":
		why = "the image sets no user, so it runs as root"
	case name == "root":
		why = fmt.Sprintf("the image runs as %q", user)
	default:
		if uid, err := strconv.ParseUint(name, 10, 32); err == nil {
			if uid != 0 {
				return nil
			}
			why = fmt.Sprintf("the image runs as UID 0 (%q)", user)
		} else if lookup != nil {
			if uid, ok := lookup(name); ok && uid == 0 {
				why = fmt.Sprintf("the image runs as %q, which /etc/passwd maps to UID 0", user)
			}
		}
	}
	if why == "" {
		return nil
	}
	return []check.Finding{check.New(&RunsAsRoot, why, configEvidence("config.User", user))}
}

// checkHealthcheck reports a missing or disabled health check.
func checkHealthcheck(hc *v1.HealthConfig) []check.Finding {
	switch {
	case hc == nil || len(hc.Test) == 0:
		return []check.Finding{check.New(&NoHealthcheck, "the image defines no HEALTHCHECK", configEvidence("config.Healthcheck", ""))}
	case strings.EqualFold(hc.Test[0], "NONE"):
		return []check.Finding{check.New(&NoHealthcheck, "the image disables the health check (HEALTHCHECK NONE)", configEvidence("config.Healthcheck", "NONE"))}
	}
	return nil
}

// checkPorts reports exposed remote administration ports.
func checkPorts(ports map[string]struct{}) []check.Finding {
	var out []check.Finding
	for _, p := range slices.Sorted(maps.Keys(ports)) {
		num, _, _ := strings.Cut(p, "/")
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		if service, ok := dockerfile.RemoteAdminService(n); ok {
			msg := fmt.Sprintf("the image exposes port %s (%s)", p, service)
			out = append(out, check.New(&RemoteAdminPort, msg, configEvidence("config.ExposedPorts["+p+"]", p)))
		}
	}
	return out
}

// checkEnv reports environment variables that hold secrets.
func checkEnv(env []string) []check.Finding {
	var out []check.Finding
	for i, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if why, ok := secretvar.Match(name, value); ok {
			msg := fmt.Sprintf("environment variable %s holds a secret: %s", name, why)
			out = append(out, check.New(&SecretInConfig, msg, configEvidence(fmt.Sprintf("config.Env[%d]", i), name+"="+secretvar.Redacted)))
		}
	}
	return out
}

// checkLabels reports labels that hold secrets.
func checkLabels(labels map[string]string) []check.Finding {
	var out []check.Finding
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if why, ok := secretvar.Match(k, labels[k]); ok {
			msg := fmt.Sprintf("label %s holds a secret: %s", k, why)
			out = append(out, check.New(&SecretInConfig, msg, configEvidence("config.Labels["+k+"]", k+"="+secretvar.Redacted)))
		}
	}
	return out
}

// The OCI annotation (also used as a label) naming an image's base.
const baseNameKey = "org.opencontainers.image.base.name"

// checkBase reports a recorded base image that is a tag without a digest.
// Manifest annotations take precedence over labels.
func checkBase(labels, annotations map[string]string) []check.Finding {
	object, ref := "annotations["+baseNameKey+"]", annotations[baseNameKey]
	if ref == "" {
		object, ref = "config.Labels["+baseNameKey+"]", labels[baseNameKey]
	}
	if ref == "" || strings.Contains(ref, "@") {
		return nil
	}
	msg := fmt.Sprintf("the image records its base as %q, a tag without a digest", ref)
	return []check.Finding{check.New(&UnpinnedBase, msg, configEvidence(object, ref))}
}
