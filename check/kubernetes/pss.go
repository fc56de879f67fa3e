package kubernetes

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// pss checks the controls of profile. Under Restricted, the Baseline
// Capabilities, HostPath Volumes and Seccomp controls give way to their
// Restricted forms (Capabilities (v1.22+), Volume Types, Seccomp (v1.19+)),
// as in Pod Security Admission: a hostPath volume is one Volume Types
// finding there, not two.
func (p *podScan) pss(profile Profile) {
	if profile == Privileged {
		return
	}
	p.hostProcess()
	p.hostNamespaces()
	p.privileged()
	p.hostPorts()
	p.hostProbes()
	p.appArmor()
	p.seLinux()
	p.procMount(profile == Restricted)
	p.sysctls()
	if profile == Baseline {
		p.capabilitiesBaseline()
		p.hostPathVolumes()
		p.seccompBaseline()
		return
	}
	p.volumeTypes()
	p.privilegeEscalation()
	p.runAsNonRoot()
	p.runAsUser()
	p.seccompRestricted()
	p.capabilitiesRestricted()
}

var podSCPath = []any{"spec", "securityContext"}

func podField(field ...any) []any { return append(slices.Clone(podSCPath), field...) }

// HostProcess: windowsOptions.hostProcess allowed undefined or false.
func (p *podScan) hostProcess() {
	if w := p.podSC().WindowsOptions; w != nil && w.HostProcess != nil && *w.HostProcess {
		p.report(&defHostProcess, nil, podField("windowsOptions", "hostProcess"), "hostProcess: true",
			"the pod sets securityContext.windowsOptions.hostProcess=true")
	}
	for _, c := range p.containers() {
		if w := c.sc().WindowsOptions; w != nil && w.HostProcess != nil && *w.HostProcess {
			p.report(&defHostProcess, &c, c.path("securityContext", "windowsOptions", "hostProcess"), "hostProcess: true",
				fmt.Sprintf("%s %q sets securityContext.windowsOptions.hostProcess=true", c.label, c.Name))
		}
	}
}

// Host Namespaces: hostNetwork, hostPID, hostIPC allowed undefined or false.
func (p *podScan) hostNamespaces() {
	for _, ns := range []struct {
		field string
		set   bool
	}{{"hostNetwork", p.spec.HostNetwork}, {"hostPID", p.spec.HostPID}, {"hostIPC", p.spec.HostIPC}} {
		if ns.set {
			p.report(&defHostNamespaces, nil, []any{"spec", ns.field}, ns.field+": true",
				fmt.Sprintf("the pod shares the node's namespace: %s=true", ns.field))
		}
	}
}

// Privileged Containers: privileged allowed undefined or false.
func (p *podScan) privileged() {
	for _, c := range p.containers() {
		if v := c.sc().Privileged; v != nil && *v {
			p.report(&defPrivileged, &c, c.path("securityContext", "privileged"), "privileged: true",
				fmt.Sprintf("%s %q sets securityContext.privileged=true", c.label, c.Name))
		}
	}
}

// baselineCapabilities is the container runtime's default set, which the
// Baseline profile allows to add.
var baselineCapabilities = []corev1.Capability{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// Capabilities (Baseline): capabilities.add only from the default set.
func (p *podScan) capabilitiesBaseline() {
	for _, c := range p.containers() {
		caps := c.sc().Capabilities
		if caps == nil {
			continue
		}
		if bad := notIn(caps.Add, baselineCapabilities); len(bad) > 0 {
			p.report(&defCapabilitiesBaseline, &c, c.path("securityContext", "capabilities", "add"), "add: "+list(bad),
				fmt.Sprintf("%s %q adds capabilities beyond the default set: %s", c.label, c.Name, list(bad)))
		}
	}
}

// HostPath Volumes: hostPath allowed undefined.
func (p *podScan) hostPathVolumes() {
	for i, v := range p.spec.Volumes {
		if v.HostPath != nil {
			p.report(&defHostPathVolumes, nil, []any{"spec", "volumes", i, "hostPath"}, "hostPath: "+v.HostPath.Path,
				fmt.Sprintf("volume %q mounts the node's %s", v.Name, v.HostPath.Path))
		}
	}
}

// Host Ports: hostPort allowed undefined or 0.
func (p *podScan) hostPorts() {
	for _, c := range p.containers() {
		for i, port := range c.Ports {
			if port.HostPort != 0 {
				p.report(&defHostPorts, &c, c.path("ports", i, "hostPort"), fmt.Sprintf("hostPort: %d", port.HostPort),
					fmt.Sprintf("%s %q binds host port %d", c.label, c.Name, port.HostPort))
			}
		}
	}
}

// Host Probes / Lifecycle Hooks: the host of httpGet and tcpSocket probes
// and lifecycle handlers allowed undefined or "".
func (p *podScan) hostProbes() {
	for _, c := range p.containers() {
		for _, h := range handlers(c.Container) {
			if h.httpGet != nil && h.httpGet.Host != "" {
				p.reportProbeHost(c, append(c.path(h.path...), "httpGet", "host"), h.httpGet.Host)
			}
			if h.tcpSocket != nil && h.tcpSocket.Host != "" {
				p.reportProbeHost(c, append(c.path(h.path...), "tcpSocket", "host"), h.tcpSocket.Host)
			}
		}
	}
}

// handler is a probe or lifecycle handler of a container.
type handler struct {
	path      []any
	httpGet   *corev1.HTTPGetAction
	tcpSocket *corev1.TCPSocketAction
}

func handlers(c *corev1.Container) []handler {
	var hs []handler
	for _, pr := range []struct {
		field string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe != nil {
			hs = append(hs, handler{[]any{pr.field}, pr.probe.HTTPGet, pr.probe.TCPSocket})
		}
	}
	if lc := c.Lifecycle; lc != nil {
		for _, lh := range []struct {
			field string
			h     *corev1.LifecycleHandler
		}{{"postStart", lc.PostStart}, {"preStop", lc.PreStop}} {
			if lh.h != nil {
				hs = append(hs, handler{[]any{"lifecycle", lh.field}, lh.h.HTTPGet, lh.h.TCPSocket})
			}
		}
	}
	return hs
}

func (p *podScan) reportProbeHost(c container, path []any, host string) {
	field := dotted(path[len(c.path()):])
	p.report(&defHostProbes, &c, path, "host: "+host, fmt.Sprintf("%s %q sets %s=%q", c.label, c.Name, field, host))
}

// dotted writes a field path as "lifecycle.preStop.httpGet.host".
func dotted(path []any) string {
	parts := make([]string, len(path))
	for i, f := range path {
		parts[i] = fmt.Sprint(f)
	}
	return strings.Join(parts, ".")
}

// AppArmor: appArmorProfile.type allowed RuntimeDefault, Localhost or
// undefined; the deprecated annotations allowed runtime/default,
// localhost/* or empty.
func (p *podScan) appArmor() {
	allowed := func(t corev1.AppArmorProfileType) bool {
		return t == corev1.AppArmorProfileTypeRuntimeDefault || t == corev1.AppArmorProfileTypeLocalhost
	}
	if ap := p.podSC().AppArmorProfile; ap != nil && !allowed(ap.Type) {
		p.report(&defAppArmor, nil, podField("appArmorProfile", "type"), fmt.Sprintf("type: %s", ap.Type),
			fmt.Sprintf("the pod sets AppArmor profile type %q", ap.Type))
	}
	for _, c := range p.containers() {
		if ap := c.sc().AppArmorProfile; ap != nil && !allowed(ap.Type) {
			p.report(&defAppArmor, &c, c.path("securityContext", "appArmorProfile", "type"), fmt.Sprintf("type: %s", ap.Type),
				fmt.Sprintf("%s %q sets AppArmor profile type %q", c.label, c.Name, ap.Type))
		}
	}
	for _, key := range sortedKeys(p.meta.Annotations) {
		value := p.meta.Annotations[key]
		if !strings.HasPrefix(key, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) ||
			value == "" || value == corev1.DeprecatedAppArmorBetaProfileRuntimeDefault ||
			strings.HasPrefix(value, corev1.DeprecatedAppArmorBetaProfileNamePrefix) {
			continue
		}
		p.report(&defAppArmor, nil, []any{"metadata", "annotations", key}, key+": "+value,
			fmt.Sprintf("annotation %s sets AppArmor profile %q", key, value))
	}
}

// seLinuxTypes are the SELinux types the Baseline profile allows ("" is
// undefined).
var seLinuxTypes = []string{"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

// SELinux: seLinuxOptions.type only from seLinuxTypes, user and role
// undefined or empty.
func (p *podScan) seLinux() {
	if o := p.podSC().SELinuxOptions; o != nil {
		if problem := seLinuxProblem(o); problem != "" {
			p.report(&defSELinux, nil, podField("seLinuxOptions"), seLinuxSnippet(o), "the pod sets "+problem)
		}
	}
	for _, c := range p.containers() {
		if o := c.sc().SELinuxOptions; o != nil {
			if problem := seLinuxProblem(o); problem != "" {
				p.report(&defSELinux, &c, c.path("securityContext", "seLinuxOptions"), seLinuxSnippet(o),
					fmt.Sprintf("%s %q sets %s", c.label, c.Name, problem))
			}
		}
	}
}

func seLinuxProblem(o *corev1.SELinuxOptions) string {
	var problems []string
	if !slices.Contains(seLinuxTypes, o.Type) {
		problems = append(problems, fmt.Sprintf("SELinux type %q", o.Type))
	}
	if o.User != "" {
		problems = append(problems, fmt.Sprintf("SELinux user %q", o.User))
	}
	if o.Role != "" {
		problems = append(problems, fmt.Sprintf("SELinux role %q", o.Role))
	}
	return strings.Join(problems, ", ")
}

func seLinuxSnippet(o *corev1.SELinuxOptions) string {
	return fmt.Sprintf("seLinuxOptions: {type: %q, user: %q, role: %q}", o.Type, o.User, o.Role)
}

// /proc Mount Type: procMount allowed undefined or Default; under Baseline
// any value in a pod with its own user namespace.
func (p *podScan) procMount(restricted bool) {
	if !restricted && p.hostUsersFalse() {
		return
	}
	for _, c := range p.containers() {
		if pm := c.sc().ProcMount; pm != nil && *pm != corev1.DefaultProcMount {
			p.report(&defProcMount, &c, c.path("securityContext", "procMount"), fmt.Sprintf("procMount: %s", *pm),
				fmt.Sprintf("%s %q sets securityContext.procMount=%s", c.label, c.Name, *pm))
		}
	}
}

func validSeccomp(t corev1.SeccompProfileType) bool {
	return t == corev1.SeccompProfileTypeRuntimeDefault || t == corev1.SeccompProfileTypeLocalhost
}

// Seccomp (Baseline): seccompProfile.type allowed RuntimeDefault, Localhost
// or undefined.
func (p *podScan) seccompBaseline() {
	if sp := p.podSC().SeccompProfile; sp != nil && !validSeccomp(sp.Type) {
		p.report(&defSeccompBaseline, nil, podField("seccompProfile", "type"), fmt.Sprintf("type: %s", sp.Type),
			fmt.Sprintf("the pod sets seccomp profile type %q", sp.Type))
	}
	for _, c := range p.containers() {
		if sp := c.sc().SeccompProfile; sp != nil && !validSeccomp(sp.Type) {
			p.report(&defSeccompBaseline, &c, c.path("securityContext", "seccompProfile", "type"), fmt.Sprintf("type: %s", sp.Type),
				fmt.Sprintf("%s %q sets seccomp profile type %q", c.label, c.Name, sp.Type))
		}
	}
}

// safeSysctls are the sysctls the Baseline profile allows (Kubernetes 1.37).
var safeSysctls = []string{
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
	"net.ipv4.tcp_slow_start_after_idle",
	"net.ipv4.tcp_notsent_lowat",
}

// Sysctls: only safeSysctls.
func (p *podScan) sysctls() {
	for i, sc := range p.podSC().Sysctls {
		if !slices.Contains(safeSysctls, sc.Name) {
			p.report(&defSysctls, nil, podField("sysctls", i, "name"), "name: "+sc.Name,
				fmt.Sprintf("the pod sets the unsafe sysctl %s", sc.Name))
		}
	}
}

// Volume Types: only the core volume sources.
func (p *podScan) volumeTypes() {
	for i, v := range p.spec.Volumes {
		if t := restrictedVolumeType(&v.VolumeSource); t != "" {
			p.report(&defVolumeTypes, nil, []any{"spec", "volumes", i, t}, t,
				fmt.Sprintf("volume %q is of type %s", v.Name, t))
		}
	}
}

// restrictedVolumeType returns the field name of a volume source that the
// Restricted profile forbids, "" for an allowed one. A volume with no source
// at all is defaulted to emptyDir by the API server, which is allowed.
func restrictedVolumeType(v *corev1.VolumeSource) string {
	switch {
	case v.ConfigMap != nil, v.CSI != nil, v.DownwardAPI != nil, v.EmptyDir != nil, v.Ephemeral != nil,
		v.Image != nil, v.PersistentVolumeClaim != nil, v.Projected != nil, v.Secret != nil:
		return ""
	}
	for _, t := range []struct {
		name string
		set  bool
	}{
		{"hostPath", v.HostPath != nil}, {"gcePersistentDisk", v.GCEPersistentDisk != nil},
		{"awsElasticBlockStore", v.AWSElasticBlockStore != nil}, {"gitRepo", v.GitRepo != nil},
		{"nfs", v.NFS != nil}, {"iscsi", v.ISCSI != nil}, {"glusterfs", v.Glusterfs != nil},
		{"rbd", v.RBD != nil}, {"flexVolume", v.FlexVolume != nil}, {"cinder", v.Cinder != nil},
		{"cephfs", v.CephFS != nil}, {"flocker", v.Flocker != nil}, {"fc", v.FC != nil},
		{"azureFile", v.AzureFile != nil}, {"vsphereVolume", v.VsphereVolume != nil},
		{"quobyte", v.Quobyte != nil}, {"azureDisk", v.AzureDisk != nil},
		{"photonPersistentDisk", v.PhotonPersistentDisk != nil}, {"portworxVolume", v.PortworxVolume != nil},
		{"scaleIO", v.ScaleIO != nil}, {"storageos", v.StorageOS != nil},
	} {
		if t.set {
			return t.name
		}
	}
	return ""
}

// Privilege Escalation: allowPrivilegeEscalation must be false (Windows pods
// exempt).
func (p *podScan) privilegeEscalation() {
	if p.windows() {
		return
	}
	for _, c := range p.containers() {
		v := c.sc().AllowPrivilegeEscalation
		if v != nil && !*v {
			continue
		}
		snippet, msg := "allowPrivilegeEscalation: true", fmt.Sprintf("%s %q sets securityContext.allowPrivilegeEscalation=true", c.label, c.Name)
		if v == nil {
			snippet, msg = "", fmt.Sprintf("%s %q does not set securityContext.allowPrivilegeEscalation=false", c.label, c.Name)
		}
		p.report(&defPrivilegeEscalation, &c, c.path("securityContext", "allowPrivilegeEscalation"), snippet, msg)
	}
}

// Running as Non-root: runAsNonRoot true on the pod or on every container,
// never false (pods with hostUsers: false exempt). A container that does
// not set it inherits the pod's value; when the pod sets false, that one
// finding covers the containers that inherit it.
func (p *podScan) runAsNonRoot() {
	if p.hostUsersFalse() {
		return
	}
	podValue := p.podSC().RunAsNonRoot
	if podValue != nil && !*podValue {
		p.report(&defRunAsNonRoot, nil, podField("runAsNonRoot"), "runAsNonRoot: false", "the pod sets securityContext.runAsNonRoot=false")
	}
	for _, c := range p.containers() {
		v := c.sc().RunAsNonRoot
		switch {
		case v != nil && !*v:
			p.report(&defRunAsNonRoot, &c, c.path("securityContext", "runAsNonRoot"), "runAsNonRoot: false",
				fmt.Sprintf("%s %q sets securityContext.runAsNonRoot=false", c.label, c.Name))
		case v == nil && podValue == nil:
			p.report(&defRunAsNonRoot, &c, c.path("securityContext", "runAsNonRoot"), "",
				fmt.Sprintf("neither the pod nor %s %q sets securityContext.runAsNonRoot=true", c.label, c.Name))
		}
	}
}

// Running as Non-root user: runAsUser never 0 (pods with hostUsers: false
// exempt).
func (p *podScan) runAsUser() {
	if p.hostUsersFalse() {
		return
	}
	if v := p.podSC().RunAsUser; v != nil && *v == 0 {
		p.report(&defRunAsUser, nil, podField("runAsUser"), "runAsUser: 0", "the pod sets securityContext.runAsUser=0")
	}
	for _, c := range p.containers() {
		if v := c.sc().RunAsUser; v != nil && *v == 0 {
			p.report(&defRunAsUser, &c, c.path("securityContext", "runAsUser"), "runAsUser: 0",
				fmt.Sprintf("%s %q sets securityContext.runAsUser=0", c.label, c.Name))
		}
	}
}

// Seccomp (Restricted): seccompProfile.type RuntimeDefault or Localhost on
// the pod or on every container (Windows pods exempt).
func (p *podScan) seccompRestricted() {
	if p.windows() {
		return
	}
	podProfile := p.podSC().SeccompProfile
	if podProfile != nil && !validSeccomp(podProfile.Type) {
		p.report(&defSeccompRestricted, nil, podField("seccompProfile", "type"), fmt.Sprintf("type: %s", podProfile.Type),
			fmt.Sprintf("the pod sets seccomp profile type %q", podProfile.Type))
	}
	for _, c := range p.containers() {
		sp := c.sc().SeccompProfile
		switch {
		case sp != nil && !validSeccomp(sp.Type):
			p.report(&defSeccompRestricted, &c, c.path("securityContext", "seccompProfile", "type"), fmt.Sprintf("type: %s", sp.Type),
				fmt.Sprintf("%s %q sets seccomp profile type %q", c.label, c.Name, sp.Type))
		case sp == nil && podProfile == nil:
			p.report(&defSeccompRestricted, &c, c.path("securityContext", "seccompProfile"), "",
				fmt.Sprintf("neither the pod nor %s %q sets securityContext.seccompProfile.type to RuntimeDefault or Localhost", c.label, c.Name))
		}
	}
}

// Capabilities (Restricted): drop must include ALL, add at most
// NET_BIND_SERVICE (Windows pods exempt).
func (p *podScan) capabilitiesRestricted() {
	if p.windows() {
		return
	}
	for _, c := range p.containers() {
		caps := c.sc().Capabilities
		if caps == nil {
			caps = &corev1.Capabilities{}
		}
		if !slices.Contains(caps.Drop, "ALL") {
			snippet := ""
			if len(caps.Drop) > 0 {
				snippet = "drop: " + list(caps.Drop)
			}
			p.report(&defCapabilitiesRestricted, &c, c.path("securityContext", "capabilities", "drop"), snippet,
				fmt.Sprintf("%s %q does not drop ALL capabilities", c.label, c.Name))
		}
		if bad := notIn(caps.Add, []corev1.Capability{"NET_BIND_SERVICE"}); len(bad) > 0 {
			p.report(&defCapabilitiesRestricted, &c, c.path("securityContext", "capabilities", "add"), "add: "+list(bad),
				fmt.Sprintf("%s %q adds capabilities other than NET_BIND_SERVICE: %s", c.label, c.Name, list(bad)))
		}
	}
}

// notIn returns the capabilities of caps that allowed lacks.
func notIn(caps, allowed []corev1.Capability) []corev1.Capability {
	var bad []corev1.Capability
	for _, c := range caps {
		if !slices.Contains(allowed, c) {
			bad = append(bad, c)
		}
	}
	return bad
}

func list(caps []corev1.Capability) string {
	s := make([]string, len(caps))
	for i, c := range caps {
		s[i] = string(c)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
