package kubernetes

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"

	"github.com/vigil-dev/vigil/check"
)

// resourceLimits: every container and init container has CPU and memory
// limits, its own or the pod's (spec.resources). Ephemeral containers cannot
// have resources and are not checked.
func (p *podScan) resourceLimits() {
	var podLimits corev1.ResourceList
	if p.spec.Resources != nil {
		podLimits = p.spec.Resources.Limits
	}
	for _, c := range p.containers() {
		if c.field == "ephemeralContainers" {
			continue
		}
		var missing []string
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			_, own := c.Resources.Limits[r]
			_, pod := podLimits[r]
			if !own && !pod {
				missing = append(missing, string(r))
			}
		}
		if len(missing) > 0 {
			p.report(&defResourceLimits, &c, c.path("resources", "limits"), "",
				fmt.Sprintf("%s %q has no %s limit", c.label, c.Name, strings.Join(missing, " or ")))
		}
	}
}

// secretWords are the words of an environment variable name that say it
// holds a credential; keyPairs are two-word names that do (API_KEY).
var (
	secretWords = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY"}
	keyPairs    = [][2]string{{"API", "KEY"}, {"ACCESS", "KEY"}, {"PRIVATE", "KEY"}, {"AUTH", "KEY"}, {"ENCRYPTION", "KEY"}, {"SIGNING", "KEY"}}
	// notSecretLast are last words that make the variable about a secret
	// rather than the secret itself: POSTGRES_PASSWORD_FILE names a file
	// (the recommended way), TOKEN_TTL a duration, AWS_ACCESS_KEY_ID an
	// identifier.
	// flagWords make the variable a setting about credentials, not one:
	// MYSQL_ALLOW_EMPTY_PASSWORD, MYSQL_RANDOM_ROOT_PASSWORD.
	flagWords     = []string{"ALLOW", "EMPTY", "RANDOM", "GENERATE", "SKIP", "REQUIRE", "REQUIRED", "ENABLE", "ENABLED", "DISABLE", "DISABLED", "USE", "NO"}
	notSecretLast = []string{"FILE", "PATH", "DIR", "NAME", "URL", "URI", "ENDPOINT", "HOST", "PORT", "ID", "TYPE",
		"LENGTH", "LEN", "TTL", "EXPIRY", "EXPIRES", "EXPIRATION", "TIMEOUT", "ENABLED", "ENABLE", "DISABLED", "REF", "MOUNT", "LOCATION",
		"AUDIENCE", "ISSUER", "HEADER", "PREFIX", "ALGORITHM", "SCOPE", "SCOPES", "FORMAT", "VERSION", "SIZE", "MODE", "POLICY",
		"PROVIDER", "BACKEND", "REGION", "USER", "USERNAME"}
	// onlyReferences matches values made only of $(VAR) references, which
	// Kubernetes expands from other variables.
	onlyReferences = regexp.MustCompile(`^(\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$`)
	absolutePath   = regexp.MustCompile(`^/[^\s]*$`)
)

// envSecrets: no credential-named environment variable with a literal value.
func (p *podScan) envSecrets() {
	for _, c := range p.containers() {
		for i, env := range c.Env {
			if env.ValueFrom != nil || !secretName(env.Name) || !literalSecret(env.Value) {
				continue
			}
			p.report(&defEnvSecret, &c, c.path("env", i, "value"), env.Name+"=<redacted>",
				fmt.Sprintf("%s %q sets %s to a literal value instead of a secretKeyRef", c.label, c.Name, env.Name))
		}
	}
}

// secretName tells whether an environment variable name says it holds a
// credential.
func secretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 || slices.Contains(notSecretLast, words[len(words)-1]) ||
		slices.ContainsFunc(words, func(w string) bool { return slices.Contains(flagWords, w) }) {
		return false
	}
	for i, w := range words {
		if slices.Contains(secretWords, w) {
			return true
		}
		if i > 0 && slices.Contains(keyPairs, [2]string{words[i-1], w}) {
			return true
		}
	}
	return false
}

// nameWords splits DB_PASSWORD, db-password, dbPassword into upper-case
// words.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	runes := []rune(name)
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			words, cur = appendWord(words, cur), nil
			continue
		}
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(runes[i-1]) {
			words, cur = appendWord(words, cur), nil
		}
		cur = append(cur, unicode.ToUpper(r))
	}
	return appendWord(words, cur)
}

func appendWord(words []string, w []rune) []string {
	if len(w) == 0 {
		return words
	}
	return append(words, string(w))
}

// literalSecret tells whether an environment value can be a secret: not
// empty, not a boolean, not only references to other variables, not an
// absolute file path (GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json
// points at the secret, which is the way to do it).
func literalSecret(v string) bool {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "true", "false", "yes", "no", "on", "off", "0", "1":
		return false
	}
	return !onlyReferences.MatchString(v) && !absolutePath.MatchString(v)
}

// images: every image pinned by digest, or at least by a tag other than
// latest.
func (p *podScan) images() {
	for _, c := range p.containers() {
		if c.Image == "" {
			continue
		}
		named, err := reference.ParseNormalizedNamed(c.Image)
		if err != nil {
			continue // not a valid reference: the kubelet cannot pull it either
		}
		if _, ok := named.(reference.Digested); ok {
			continue
		}
		msg := fmt.Sprintf("%s %q uses image %s without a tag, which means latest", c.label, c.Name, c.Image)
		if tagged, ok := named.(reference.Tagged); ok {
			if tagged.Tag() != "latest" {
				continue
			}
			msg = fmt.Sprintf("%s %q uses image %s, tagged latest", c.label, c.Name, c.Image)
		}
		p.report(&defImageTag, &c, c.path("image"), "image: "+c.Image, msg)
	}
}

// pendingToken is a pod that mounts its service account token unless its
// ServiceAccount, if it is in the input, says otherwise.
type pendingToken struct {
	finding check.Finding
	account string // namespace/name of the ServiceAccount
}

// automountToken: automountServiceAccountToken false on the pod, or unset on
// the pod and false on its ServiceAccount. The ServiceAccount is known only
// if it is in the same input, so the decision waits for the end of it.
func (p *podScan) automountToken() {
	v := p.spec.AutomountServiceAccountToken
	if v != nil && !*v {
		return
	}
	account := p.spec.ServiceAccountName
	if account == "" {
		account = p.spec.DeprecatedServiceAccount
	}
	if account == "" {
		account = "default"
	}
	ev := check.Evidence{File: p.s.file, Line: p.loc.line("spec", "automountServiceAccountToken"), Layer: -1, Object: p.object}
	if v != nil {
		ev.Snippet = "automountServiceAccountToken: true"
		msg := fmt.Sprintf("the pod sets automountServiceAccountToken=true: every container gets the token of ServiceAccount %q", account)
		p.s.findings = append(p.s.findings, check.New(&defAutomountToken, msg, ev))
		return
	}
	msg := fmt.Sprintf("the pod does not set automountServiceAccountToken=false, so it mounts the token of ServiceAccount %q", account)
	p.s.pendingTokens = append(p.s.pendingTokens, pendingToken{check.New(&defAutomountToken, msg, ev), p.ns + "/" + account})
}

// automountFindings resolves the pending token findings against the
// ServiceAccounts of the input.
func (s *scan) automountFindings() []check.Finding {
	var out []check.Finding
	for _, pt := range s.pendingTokens {
		v, seen := s.serviceAccounts[pt.account]
		switch {
		case seen && v != nil && !*v:
			continue
		case seen:
			pt.finding.Message += "; its ServiceAccount does not set automountServiceAccountToken=false either"
		default:
			pt.finding.Message += "; its ServiceAccount is not in this input: the token is not mounted only if the ServiceAccount sets automountServiceAccountToken=false"
		}
		out = append(out, pt.finding)
	}
	return out
}

// runtimeSockets are the API sockets of the container runtimes and engines
// a node may run.
var runtimeSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock",
	"/run/k3s/containerd/containerd.sock",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock",
	"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
	"/var/run/podman/podman.sock", "/run/podman/podman.sock",
	"/var/run/dockershim.sock",
}

// runtimeSocket: no hostPath volume, mounted by a container, that is a
// runtime socket or a directory holding one.
func (p *podScan) runtimeSocket() {
	mounted := map[string]bool{}
	for _, c := range p.containers() {
		for _, m := range c.VolumeMounts {
			mounted[m.Name] = true
		}
	}
	for i, v := range p.spec.Volumes {
		if v.HostPath == nil || !mounted[v.Name] {
			continue
		}
		if sock := exposedSocket(v.HostPath.Path); sock != "" {
			p.report(&defRuntimeSocket, nil, []any{"spec", "volumes", i, "hostPath", "path"}, "path: "+v.HostPath.Path,
				fmt.Sprintf("hostPath volume %q (%s) exposes the container runtime socket %s", v.Name, v.HostPath.Path, sock))
		}
	}
}

// exposedSocket returns the runtime socket that the host path is or
// contains, "" if none.
func exposedSocket(hostPath string) string {
	if !strings.HasPrefix(hostPath, "/") {
		return ""
	}
	dir := path.Clean(hostPath)
	for _, sock := range runtimeSockets {
		if dir == sock || dir == "/" || strings.HasPrefix(sock, dir+"/") {
			return sock
		}
	}
	return ""
}
