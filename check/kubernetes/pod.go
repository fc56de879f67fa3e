package kubernetes

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vigil-dev/vigil/check"
)

// podScan checks one pod spec: a Pod's, or the template of a workload.
type podScan struct {
	s      *scan
	loc    locator // the pod template (or the Pod)
	object string  // "Deployment/shop/web"
	ns     string
	meta   *metav1.ObjectMeta // the pod's metadata (the template's)
	spec   *corev1.PodSpec
}

// container is one container of the pod with its place in the spec.
type container struct {
	*corev1.Container
	field string // containers, initContainers or ephemeralContainers
	index int
	label string // "container", "init container", "ephemeral container"
}

// checkPod runs the pod checks on spec; owner is the object's metadata,
// tmpl the path from the object to its pod template (nil for a Pod).
func (s *scan) checkPod(o object, owner, podMeta *metav1.ObjectMeta, spec *corev1.PodSpec, tmpl []any) {
	p := &podScan{s: s, loc: o.loc.at(tmpl...), object: objectName(o.kind, owner), ns: owner.Namespace, meta: podMeta, spec: spec}
	p.pss(s.profile)
	p.resourceLimits()
	p.envSecrets()
	p.images()
	p.automountToken()
	p.runtimeSocket()
}

// containers lists the pod's containers in the order Pod Security Admission
// visits them: init containers, containers, ephemeral containers.
func (p *podScan) containers() []container {
	var cs []container
	for i := range p.spec.InitContainers {
		cs = append(cs, container{&p.spec.InitContainers[i], "initContainers", i, "init container"})
	}
	for i := range p.spec.Containers {
		cs = append(cs, container{&p.spec.Containers[i], "containers", i, "container"})
	}
	for i := range p.spec.EphemeralContainers {
		c := (*corev1.Container)(&p.spec.EphemeralContainers[i].EphemeralContainerCommon)
		cs = append(cs, container{c, "ephemeralContainers", i, "ephemeral container"})
	}
	return cs
}

// path returns the path of a field of container c from the pod template.
func (c container) path(field ...any) []any {
	return append([]any{"spec", c.field, c.index}, field...)
}

// sc returns the container's security context, never nil.
func (c container) sc() *corev1.SecurityContext {
	if c.SecurityContext == nil {
		return &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

// podSC returns the pod's security context, never nil.
func (p *podScan) podSC() *corev1.PodSecurityContext {
	if p.spec.SecurityContext == nil {
		return &corev1.PodSecurityContext{}
	}
	return p.spec.SecurityContext
}

// report adds a finding about the pod (c nil) or one of its containers, at
// the field at path (relative to the pod template).
func (p *podScan) report(def *check.Definition, c *container, path []any, snippet, msg string) {
	obj := p.object
	if c != nil {
		obj += " " + c.label + " " + c.Name
	}
	ev := check.Evidence{File: p.s.file, Line: p.loc.line(path...), Layer: -1, Snippet: snippet, Object: obj}
	p.s.findings = append(p.s.findings, check.New(def, msg, ev))
}

// hostUsersFalse tells whether the pod runs in its own user namespace, which
// relaxes some controls.
func (p *podScan) hostUsersFalse() bool {
	return p.spec.HostUsers != nil && !*p.spec.HostUsers
}

// windows tells whether the pod declares the Windows OS, which exempts it
// from the Linux-only Restricted controls.
func (p *podScan) windows() bool {
	return p.spec.OS != nil && p.spec.OS.Name == corev1.Windows
}
