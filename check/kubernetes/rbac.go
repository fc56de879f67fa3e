package kubernetes

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vigil-dev/vigil/check"
)

// checkRules checks the rules of a Role or ClusterRole. An aggregated
// ClusterRole has its rules filled in by the controller manager: there is
// nothing to see in the manifest.
func (s *scan) checkRules(o object, meta *metav1.ObjectMeta, rules []rbacv1.PolicyRule) {
	obj := objectName(o.kind, meta)
	report := func(def *check.Definition, i int, field, snippet, msg string) {
		ev := check.Evidence{File: s.file, Line: o.loc.line("rules", i, field), Layer: -1, Snippet: snippet, Object: obj}
		s.findings = append(s.findings, check.New(def, fmt.Sprintf("rule %d %s", i+1, msg), ev))
	}
	for i, r := range rules {
		if fields := wildcardFields(r); len(fields) > 0 {
			report(&defRBACWildcard, i, fields[0], fields[0]+": "+brackets(wildcards(fieldOf(r, fields[0]))),
				"uses * in "+strings.Join(fields, " and ")+": verbs "+brackets(r.Verbs)+" on "+target(r))
		}
		if readsSecrets(r) {
			msg := "grants " + brackets(r.Verbs) + " on secrets"
			if len(r.ResourceNames) > 0 {
				msg += " (limited to " + brackets(r.ResourceNames) + ")"
			}
			report(&defRBACSecrets, i, "resources", "resources: "+brackets(r.Resources), msg)
		}
		var dangerous []string
		for _, v := range []string{"escalate", "bind", "impersonate"} {
			if slices.Contains(r.Verbs, v) {
				dangerous = append(dangerous, v)
			}
		}
		if len(dangerous) > 0 {
			report(&defRBACEscalation, i, "verbs", "verbs: "+brackets(r.Verbs), "grants "+brackets(dangerous)+" on "+brackets(r.Resources))
		}
	}
}

// wildcardFields returns the fields of a rule that hold a wildcard.
func wildcardFields(r rbacv1.PolicyRule) []string {
	var fields []string
	for _, f := range []string{"apiGroups", "resources", "verbs"} {
		if len(wildcards(fieldOf(r, f))) > 0 {
			fields = append(fields, f)
		}
	}
	return fields
}

func fieldOf(r rbacv1.PolicyRule, field string) []string {
	switch field {
	case "apiGroups":
		return r.APIGroups
	case "resources":
		return r.Resources
	}
	return r.Verbs
}

// wildcards returns the entries that contain *.
func wildcards(entries []string) []string {
	var w []string
	for _, e := range entries {
		if strings.Contains(e, "*") {
			w = append(w, e)
		}
	}
	return w
}

// readsSecrets tells whether a rule names secrets of the core group with a
// verb that reads them (wildcard resources are K8S-024's).
func readsSecrets(r rbacv1.PolicyRule) bool {
	coreGroup := slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
	if !coreGroup || !slices.Contains(r.Resources, "secrets") {
		return false
	}
	return slices.ContainsFunc(r.Verbs, func(v string) bool {
		return v == "get" || v == "list" || v == "watch" || v == "*"
	})
}

// checkBinding checks a RoleBinding or ClusterRoleBinding.
func (s *scan) checkBinding(o object, meta *metav1.ObjectMeta, ref rbacv1.RoleRef, subjects []rbacv1.Subject) {
	if ref.Kind != "ClusterRole" || ref.Name != "cluster-admin" {
		return
	}
	names := make([]string, len(subjects))
	for i, sub := range subjects {
		names[i] = sub.Kind + " " + sub.Name
		if sub.Namespace != "" {
			names[i] = sub.Kind + " " + sub.Namespace + "/" + sub.Name
		}
	}
	scope := "cluster-wide"
	if o.kind == "RoleBinding" {
		scope = "in the binding's namespace"
		if meta.Namespace != "" {
			scope = "in namespace " + meta.Namespace
		}
	}
	ev := check.Evidence{File: s.file, Line: o.loc.line("roleRef", "name"), Layer: -1, Snippet: "name: cluster-admin", Object: objectName(o.kind, meta)}
	msg := fmt.Sprintf("grants cluster-admin %s to %s", scope, brackets(names))
	s.findings = append(s.findings, check.New(&defClusterAdmin, msg, ev))
}

// target describes what a rule applies to.
func target(r rbacv1.PolicyRule) string {
	if len(r.Resources) == 0 && len(r.NonResourceURLs) > 0 {
		return "non-resource URLs " + brackets(r.NonResourceURLs)
	}
	return brackets(r.Resources) + " in API groups " + brackets(r.APIGroups)
}

func brackets(items []string) string { return "[" + strings.Join(items, ", ") + "]" }
