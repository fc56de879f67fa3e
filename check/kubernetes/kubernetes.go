// Package kubernetes checks Kubernetes manifests: the Pod Security Standards
// (Baseline and Restricted profiles, control by control), workload hygiene
// (resource limits, literal secrets in env, unpinned images, automounted
// service account tokens, the container runtime socket mounted from the
// host) and RBAC (wildcards, read access to Secrets, cluster-admin bindings,
// escalate/bind/impersonate).
//
// Check reads a multi-document YAML (or JSON) stream, split into documents
// the way kubectl splits it, and decodes Pods, Deployments, StatefulSets,
// DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs, Roles,
// ClusterRoles, RoleBindings, ClusterRoleBindings, ServiceAccounts and Lists
// of them into the k8s.io/api types, with YAML 1.1 scalars and
// case-sensitive field names as the API server reads them. Other kinds are
// skipped. Every finding names the file, the line of the offending field
// (or of its closest enclosing field when the field is absent), and the
// object ("Deployment/shop/web container app").
//
// The input is hostile until proven otherwise: its size, number of
// documents, node count after alias expansion and nesting depth are
// bounded (Limits), and exceeding a bound is an error, never a panic.
package kubernetes

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/vigil-dev/vigil/check"
)

// Profile is a Pod Security Standards profile.
type Profile string

// The profiles. Restricted includes every Baseline control (replacing the
// Baseline Capabilities, HostPath Volumes and Seccomp controls by their
// stricter Restricted forms, as Kubernetes does); Privileged checks none.
const (
	Privileged Profile = "privileged"
	Baseline   Profile = "baseline"
	Restricted Profile = "restricted"
)

// Options configure Check. The zero value is valid: the Restricted profile
// and the default limits.
type Options struct {
	// Profile is the Pod Security Standards profile the pods are held to;
	// empty means Restricted: a scanner reports every deviation from the
	// hardening that Kubernetes itself calls current best practice, and a
	// workload that cannot meet it lowers the profile explicitly.
	Profile Profile
	// Limits bound the work on one input; zero fields take the defaults.
	Limits Limits
}

// Limits bound what Check reads, so that hostile input (YAML bombs, huge or
// deeply nested manifests) costs bounded time and memory.
type Limits struct {
	// MaxBytes is the largest input read (default 32 MiB).
	MaxBytes int64
	// MaxDocuments is the largest number of YAML documents (default 10,000).
	MaxDocuments int
	// MaxNodes is the largest number of YAML nodes in one document of a
	// checked kind, counting every expansion of an alias (default 1,000,000).
	MaxNodes int
	// MaxDepth is the deepest nesting of one document of a checked kind,
	// aliases expanded (default 200).
	MaxDepth int
}

// Default limits.
const (
	DefaultMaxBytes     = 32 << 20
	DefaultMaxDocuments = 10_000
	DefaultMaxNodes     = 1_000_000
	DefaultMaxDepth     = 200
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDocuments <= 0 {
		l.MaxDocuments = DefaultMaxDocuments
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// ErrLimit is wrapped by the errors of inputs that exceed a Limits bound.
var ErrLimit = errors.New("limit exceeded")

// ParseError reports a manifest that could not be read or decoded.
type ParseError struct {
	Name string // the name given to Check
	// Document is the 1-based index of the YAML document, 0 when the error
	// is not about one document (reading the input, its total size).
	Document int
	// Line is the 1-based line in the input where the problem was found
	// (the document's first line when the decoder does not say).
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Document == 0 {
		return fmt.Sprintf("%s: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%s: document %d (line %d): %v", e.Name, e.Document, e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Check reads the manifests of r (named name in the findings' evidence) and
// returns the findings of every check of Definitions, sorted with
// check.Sort. An input that cannot be decoded, or that exceeds a limit,
// gives a *ParseError and no findings.
func Check(name string, r io.Reader, opts Options) ([]check.Finding, error) {
	profile := opts.Profile
	if profile == "" {
		profile = Restricted
	}
	if !slices.Contains([]Profile{Privileged, Baseline, Restricted}, profile) {
		return nil, fmt.Errorf("kubernetes: unknown Pod Security Standards profile %q (want baseline, restricted or privileged)", profile)
	}
	s := &scan{file: name, profile: profile, limits: opts.Limits.withDefaults(), serviceAccounts: map[string]*bool{}}
	if err := s.read(r); err != nil {
		return nil, err
	}
	findings := append(s.findings, s.automountFindings()...)
	check.Sort(findings)
	return findings, nil
}
