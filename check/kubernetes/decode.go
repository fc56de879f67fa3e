package kubernetes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sjson "sigs.k8s.io/json"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/vigil-dev/vigil/check"
)

// scan is the state of one Check call.
type scan struct {
	file     string
	profile  Profile
	limits   Limits
	findings []check.Finding
	// serviceAccounts maps "namespace/name" of the ServiceAccounts seen to
	// their automountServiceAccountToken; pendingTokens are the pods whose
	// token automount depends on them.
	serviceAccounts map[string]*bool
	pendingTokens   []pendingToken
}

// document is one YAML document of the input.
type document struct {
	index int    // 1-based
	line  int    // 1-based line of its first line in the input
	data  []byte // its text, without the separator line
}

// read splits r into documents and checks each.
//
// The split mirrors k8s.io/apimachinery's YAMLReader (what kubectl uses): a
// line that starts with "---" ends a document and may only be followed by
// spaces or a comment. It is reimplemented here because YAMLReader does not
// tell where a document starts, which the findings' line numbers need.
func (s *scan) read(r io.Reader) error {
	br := bufio.NewReader(io.LimitReader(r, s.limits.MaxBytes+1))
	var (
		buf           bytes.Buffer
		read          int64
		lineNo, start = 0, 1
		index         = 0
	)
	flush := func() error {
		if buf.Len() == 0 {
			return nil
		}
		index++
		if index > s.limits.MaxDocuments {
			return &ParseError{Name: s.file, Document: index, Line: start,
				Err: fmt.Errorf("more than %d documents: %w", s.limits.MaxDocuments, ErrLimit)}
		}
		err := s.document(document{index: index, line: start, data: buf.Bytes()})
		buf.Reset()
		return err
	}
	for {
		line, err := br.ReadBytes('\n')
		read += int64(len(line))
		if read > s.limits.MaxBytes {
			return &ParseError{Name: s.file, Err: fmt.Errorf("input larger than %d bytes: %w", s.limits.MaxBytes, ErrLimit)}
		}
		if err != nil && err != io.EOF {
			return &ParseError{Name: s.file, Err: err}
		}
		if len(line) > 0 {
			lineNo++
		}
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			if rest != "" && rest[0] != '#' {
				next := index + 1 // the document this separator would start
				if buf.Len() > 0 {
					next++
				}
				return &ParseError{Name: s.file, Document: next, Line: lineNo,
					Err: fmt.Errorf("invalid YAML document separator: %q", truncate(rest, 40))}
			}
			if ferr := flush(); ferr != nil {
				return ferr
			}
			start = lineNo + 1
		} else {
			if buf.Len() == 0 && isBlank(line) {
				// Leading blank lines do not start the document: its
				// first line is where its content starts.
				start = lineNo + 1
			} else {
				buf.Write(line)
			}
		}
		if err == io.EOF {
			return flush()
		}
	}
}

func isBlank(line []byte) bool { return len(bytes.TrimSpace(line)) == 0 }

// lastLine returns the line of the document's last line in the input.
func (d document) lastLine() int {
	n := bytes.Count(d.data, []byte("\n"))
	if !bytes.HasSuffix(d.data, []byte("\n")) {
		n++
	}
	return d.line + max(n, 1) - 1
}

// kinds maps the API group and kind of the objects checked to their
// decoders.
var kinds = map[string]func(s *scan, o object) error{
	"/Pod":                            (*scan).pod,
	"/ReplicationController":          (*scan).replicationController,
	"/ServiceAccount":                 (*scan).serviceAccount,
	"apps/Deployment":                 (*scan).deployment,
	"apps/StatefulSet":                (*scan).statefulSet,
	"apps/DaemonSet":                  (*scan).daemonSet,
	"apps/ReplicaSet":                 (*scan).replicaSet,
	"extensions/Deployment":           (*scan).deployment,
	"extensions/DaemonSet":            (*scan).daemonSet,
	"extensions/ReplicaSet":           (*scan).replicaSet,
	"batch/Job":                       (*scan).job,
	"batch/CronJob":                   (*scan).cronJob,
	rbacGroup + "/Role":               (*scan).role,
	rbacGroup + "/ClusterRole":        (*scan).clusterRole,
	rbacGroup + "/RoleBinding":        (*scan).roleBinding,
	rbacGroup + "/ClusterRoleBinding": (*scan).clusterRoleBinding,
}

const rbacGroup = "rbac.authorization.k8s.io"

// object is one Kubernetes object to check: its JSON, its place in the
// YAML, and its document.
type object struct {
	kind string
	json []byte
	loc  locator
	doc  document
}

// group returns the API group of an apiVersion ("apps/v1" -> "apps", "v1" -> "").
func group(apiVersion string) string {
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

// isList tells whether kind is a list kind: List, or a checked kind
// followed by List (DeploymentList), whose items may omit their kind.
func isList(apiVersion, kind string) (itemKind string, ok bool) {
	if kind == "List" {
		return "", true
	}
	item, found := strings.CutSuffix(kind, "List")
	if !found {
		return "", false
	}
	_, known := kinds[group(apiVersion)+"/"+item]
	return item, known
}

func (s *scan) document(d document) error {
	var root yaml.Node
	if err := yaml.Unmarshal(d.data, &root); err != nil {
		// yaml.v3 reports some syntax errors at the line before the one
		// at fault (the 0-based line of their context); the YAML 1.1
		// decoder that kubectl uses, run on the same text, stops at the
		// same syntax error with the right line, before expanding any
		// alias. Its message is preferred when it has one.
		if _, err1 := k8syaml.YAMLToJSON(d.data); err1 != nil && yamlLine.MatchString(err1.Error()) {
			err = err1
		}
		return s.yamlError(d, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil // only comments
	}
	top := resolve(root.Content[0])
	apiVersion, kind := scalar(top, "apiVersion"), scalar(top, "kind")
	_, list := isList(apiVersion, kind)
	if _, known := kinds[group(apiVersion)+"/"+kind]; !known && !list {
		return nil // another kind, or not a Kubernetes object: not ours
	}
	if err := checkSize(top, s.limits); err != nil {
		return &ParseError{Name: s.file, Document: d.index, Line: d.line, Err: err}
	}
	js, err := k8syaml.YAMLToJSON(d.data)
	if err != nil {
		return s.yamlError(d, err)
	}
	return s.object(object{kind: kind, json: js, loc: locator{node: top, offset: d.line - 1}, doc: d}, true)
}

// object decodes and checks one object; a List's items are checked in turn
// (not lists within them, which kubectl does not accept either).
func (s *scan) object(o object, listAllowed bool) error {
	var meta metav1.TypeMeta
	if err := k8sjson.UnmarshalCaseSensitivePreserveInts(o.json, &meta); err != nil {
		return s.decodeError(o, err)
	}
	if meta.Kind == "" {
		meta.Kind = o.kind // an item of a typed list
	}
	if itemKind, ok := isList(meta.APIVersion, meta.Kind); ok {
		if listAllowed {
			return s.list(o, itemKind)
		}
		return nil
	}
	decode, known := kinds[group(meta.APIVersion)+"/"+meta.Kind]
	if !known {
		return nil
	}
	o.kind = meta.Kind
	return decode(s, o)
}

func (s *scan) list(o object, itemKind string) error {
	var l struct {
		Items []jsonRaw `json:"items"`
	}
	if err := k8sjson.UnmarshalCaseSensitivePreserveInts(o.json, &l); err != nil {
		return s.decodeError(o, err)
	}
	for i, item := range l.Items {
		it := object{kind: itemKind, json: item, loc: o.loc.at("items", i), doc: o.doc}
		if err := s.object(it, false); err != nil {
			return err
		}
	}
	return nil
}

// jsonRaw keeps a list item's JSON for decoding once its kind is known.
type jsonRaw []byte

// UnmarshalJSON implements json.Unmarshaler.
func (r *jsonRaw) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// decodeInto decodes the object's JSON as the API server does: field names
// case-sensitive, unknown fields ignored.
func (s *scan) decodeInto(o object, v any) error {
	if err := k8sjson.UnmarshalCaseSensitivePreserveInts(o.json, v); err != nil {
		return s.decodeError(o, err)
	}
	return nil
}

func (s *scan) decodeError(o object, err error) error {
	return &ParseError{Name: s.file, Document: o.doc.index, Line: o.loc.line(), Err: fmt.Errorf("decoding %s: %w", o.kind, err)}
}

// yamlLine matches the line number that the YAML decoders put in their
// messages, relative to the document they were given.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError reports a YAML syntax error with its line in the whole input.
func (s *scan) yamlError(d document, err error) error {
	pe := &ParseError{Name: s.file, Document: d.index, Line: d.line, Err: err}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			// At the end of input the decoders count one line past the
			// last: keep the line inside the document.
			pe.Line = min(d.line+n-1, d.lastLine())
			pe.Err = errors.New("yaml: " + strings.TrimPrefix(err.Error(), m[0]))
		}
	}
	return pe
}

// checkSize enforces MaxNodes and MaxDepth on a document, counting aliases
// as the subtrees they expand to. Subtree sizes are memoised, so the walk is
// linear in the document even for a billion-laughs bomb, and its recursion
// stops at MaxDepth.
func checkSize(n *yaml.Node, l Limits) error {
	type size struct{ nodes, height int }
	memo := map[*yaml.Node]size{}
	var walk func(n *yaml.Node, depth int) (size, error)
	walk = func(n *yaml.Node, depth int) (size, error) {
		if depth > l.MaxDepth {
			return size{}, fmt.Errorf("nested deeper than %d levels: %w", l.MaxDepth, ErrLimit)
		}
		if sz, ok := memo[n]; ok {
			if depth+sz.height > l.MaxDepth {
				return size{}, fmt.Errorf("nested deeper than %d levels: %w", l.MaxDepth, ErrLimit)
			}
			return sz, nil
		}
		sz := size{nodes: 1, height: 1}
		children := n.Content
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			children = []*yaml.Node{n.Alias}
		}
		for _, c := range children {
			csz, err := walk(c, depth+1)
			if err != nil {
				return size{}, err
			}
			sz.nodes += csz.nodes
			sz.height = max(sz.height, csz.height+1)
			if sz.nodes > l.MaxNodes {
				return size{}, fmt.Errorf("more than %d YAML nodes once aliases are expanded: %w", l.MaxNodes, ErrLimit)
			}
		}
		memo[n] = sz
		return sz, nil
	}
	_, err := walk(n, 1)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Decoders of the checked kinds: each finds the pod template (or the RBAC
// rules) and its place in the YAML.

func (s *scan) pod(o object) error {
	var p corev1.Pod
	if err := s.decodeInto(o, &p); err != nil {
		return err
	}
	s.checkPod(o, &p.ObjectMeta, &p.ObjectMeta, &p.Spec, nil)
	return nil
}

func (s *scan) replicationController(o object) error {
	var rc corev1.ReplicationController
	if err := s.decodeInto(o, &rc); err != nil {
		return err
	}
	if rc.Spec.Template != nil {
		s.checkPod(o, &rc.ObjectMeta, &rc.Spec.Template.ObjectMeta, &rc.Spec.Template.Spec, templatePath)
	}
	return nil
}

var (
	templatePath        = []any{"spec", "template"}
	cronJobTemplatePath = []any{"spec", "jobTemplate", "spec", "template"}
)

func (s *scan) deployment(o object) error {
	var d appsv1.Deployment
	if err := s.decodeInto(o, &d); err != nil {
		return err
	}
	s.checkPod(o, &d.ObjectMeta, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec, templatePath)
	return nil
}

func (s *scan) statefulSet(o object) error {
	var st appsv1.StatefulSet
	if err := s.decodeInto(o, &st); err != nil {
		return err
	}
	s.checkPod(o, &st.ObjectMeta, &st.Spec.Template.ObjectMeta, &st.Spec.Template.Spec, templatePath)
	return nil
}

func (s *scan) daemonSet(o object) error {
	var ds appsv1.DaemonSet
	if err := s.decodeInto(o, &ds); err != nil {
		return err
	}
	s.checkPod(o, &ds.ObjectMeta, &ds.Spec.Template.ObjectMeta, &ds.Spec.Template.Spec, templatePath)
	return nil
}

func (s *scan) replicaSet(o object) error {
	var rs appsv1.ReplicaSet
	if err := s.decodeInto(o, &rs); err != nil {
		return err
	}
	s.checkPod(o, &rs.ObjectMeta, &rs.Spec.Template.ObjectMeta, &rs.Spec.Template.Spec, templatePath)
	return nil
}

func (s *scan) job(o object) error {
	var j batchv1.Job
	if err := s.decodeInto(o, &j); err != nil {
		return err
	}
	s.checkPod(o, &j.ObjectMeta, &j.Spec.Template.ObjectMeta, &j.Spec.Template.Spec, templatePath)
	return nil
}

func (s *scan) cronJob(o object) error {
	var cj batchv1.CronJob
	if err := s.decodeInto(o, &cj); err != nil {
		return err
	}
	t := &cj.Spec.JobTemplate.Spec.Template
	s.checkPod(o, &cj.ObjectMeta, &t.ObjectMeta, &t.Spec, cronJobTemplatePath)
	return nil
}

func (s *scan) serviceAccount(o object) error {
	var sa corev1.ServiceAccount
	if err := s.decodeInto(o, &sa); err != nil {
		return err
	}
	s.serviceAccounts[sa.Namespace+"/"+sa.Name] = sa.AutomountServiceAccountToken
	return nil
}

func (s *scan) role(o object) error {
	var r rbacv1.Role
	if err := s.decodeInto(o, &r); err != nil {
		return err
	}
	s.checkRules(o, &r.ObjectMeta, r.Rules)
	return nil
}

func (s *scan) clusterRole(o object) error {
	var r rbacv1.ClusterRole
	if err := s.decodeInto(o, &r); err != nil {
		return err
	}
	s.checkRules(o, &r.ObjectMeta, r.Rules)
	return nil
}

func (s *scan) roleBinding(o object) error {
	var b rbacv1.RoleBinding
	if err := s.decodeInto(o, &b); err != nil {
		return err
	}
	s.checkBinding(o, &b.ObjectMeta, b.RoleRef, b.Subjects)
	return nil
}

func (s *scan) clusterRoleBinding(o object) error {
	var b rbacv1.ClusterRoleBinding
	if err := s.decodeInto(o, &b); err != nil {
		return err
	}
	s.checkBinding(o, &b.ObjectMeta, b.RoleRef, b.Subjects)
	return nil
}

// objectName names an object in evidence: Kind/namespace/name, or
// Kind/name when it has no namespace.
func objectName(kind string, m *metav1.ObjectMeta) string {
	if m.Namespace == "" {
		return kind + "/" + m.Name
	}
	return kind + "/" + m.Namespace + "/" + m.Name
}
