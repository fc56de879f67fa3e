package kubernetes

import (
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/severity"
)

const pssURL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// pssRef cites one control of the Pod Security Standards; the Title names
// the profile that defines it.
func pssRef(control string, p Profile) check.Reference {
	title, anchor := "Baseline profile", "#baseline"
	if p == Restricted {
		title, anchor = "Restricted profile", "#restricted"
	}
	return check.Reference{Standard: check.PSS, Section: control, Title: title, URL: pssURL + anchor}
}

// The section numbers below were checked against the published texts:
// CIS Kubernetes Benchmark v1.8.0 sections 5.1 and 5.2 (as kube-bench's
// cis-1.8 profile numbers them), NIST SP 800-190 section 4 (countermeasures)
// and ISO/IEC 27002:2022 controls.
func cisRef(section, title string) check.Reference {
	return check.Reference{Standard: check.CISK8s, Section: section, Title: title}
}

func nistRef(section, title string) check.Reference {
	return check.Reference{Standard: check.NIST800190, Section: section, Title: title}
}

func isoRef(section, title string) check.Reference {
	return check.Reference{Standard: check.ISO27002, Section: section, Title: title}
}

var (
	nistRuntime = nistRef("4.4.3", "Insecure container runtime configurations")
	nistAdmin   = nistRef("4.3.1", "Unbounded administrative access")
	isoPriv     = isoRef("8.2", "Privileged access rights")
	isoConfig   = isoRef("8.9", "Configuration management")
)

// The Pod Security Standards controls, one check each. The control names are
// the ones the Pod Security Standards page uses; the allowed values are those
// of the latest Kubernetes release (the checks of k8s.io/pod-security-admission
// at api.LatestVersion(), which the tests use as an oracle).
var (
	defHostProcess = check.Definition{
		ID: "K8S-001", Title: "Windows HostProcess container", Domain: check.DomainKubernetes, Severity: severity.Critical,
		Description: "A HostProcess container runs directly on the Windows node with the privileges of the host. " +
			"The Baseline profile forbids securityContext.windowsOptions.hostProcess=true on the pod and on every container.",
		Remediation: "Remove windowsOptions.hostProcess or set it to false; run node-level Windows agents outside the workload namespaces.",
		References:  []check.Reference{pssRef("HostProcess", Baseline), cisRef("5.2.11", "Minimize the admission of Windows HostProcess containers"), nistRuntime},
	}
	defHostNamespaces = check.Definition{
		ID: "K8S-002", Title: "Host namespaces shared", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "hostNetwork, hostPID or hostIPC set to true lets the pod see and reach the node's network stack, processes or IPC objects. " +
			"The Baseline profile allows only false or unset.",
		Remediation: "Remove hostNetwork, hostPID and hostIPC (or set them to false); expose network services through a Service instead.",
		References: []check.Reference{pssRef("Host Namespaces", Baseline),
			cisRef("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace"),
			cisRef("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace"),
			cisRef("5.2.5", "Minimize the admission of containers wishing to share the host network namespace"), nistRuntime},
	}
	defPrivileged = check.Definition{
		ID: "K8S-003", Title: "Privileged container", Domain: check.DomainKubernetes, Severity: severity.Critical,
		Description: "A privileged container has every capability and access to the node's devices: it can take over the node. " +
			"The Baseline profile allows securityContext.privileged only false or unset.",
		Remediation: "Remove securityContext.privileged or set it to false; add only the specific capabilities the container needs.",
		References:  []check.Reference{pssRef("Privileged Containers", Baseline), cisRef("5.2.2", "Minimize the admission of privileged containers"), nistRuntime, isoPriv},
	}
	defCapabilitiesBaseline = check.Definition{
		ID: "K8S-004", Title: "Capabilities added beyond the default set", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "The Baseline profile allows securityContext.capabilities.add to hold only the container runtime's default set: " +
			"AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT. " +
			"Under the Restricted profile this control is replaced by K8S-018.",
		Remediation: "Remove the other capabilities from securityContext.capabilities.add.",
		References:  []check.Reference{pssRef("Capabilities", Baseline), cisRef("5.2.9", "Minimize the admission of containers with added capabilities"), nistRuntime, isoPriv},
	}
	defHostPathVolumes = check.Definition{
		ID: "K8S-005", Title: "HostPath volume", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "A hostPath volume mounts a file or directory of the node into the pod. The Baseline profile forbids spec.volumes[*].hostPath. " +
			"Under the Restricted profile this control is replaced by K8S-013, which forbids hostPath with the other non-core volume types.",
		Remediation: "Use a persistentVolumeClaim, emptyDir, configMap, secret or projected volume instead of hostPath.",
		References:  []check.Reference{pssRef("HostPath Volumes", Baseline), cisRef("5.2.12", "Minimize the admission of HostPath volumes"), nistRuntime},
	}
	defHostPorts = check.Definition{
		ID: "K8S-006", Title: "Host port", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "A hostPort binds a port of the node's network interfaces to the container, bypassing Services and network policies. " +
			"The Baseline profile allows only 0 or unset.",
		Remediation: "Remove hostPort from the container ports and expose the port through a Service.",
		References:  []check.Reference{pssRef("Host Ports", Baseline), cisRef("5.2.13", "Minimize the admission of containers which use HostPorts"), nistRuntime},
	}
	defHostProbes = check.Definition{
		ID: "K8S-007", Title: "Probe or lifecycle hook with a host", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "The host field of an httpGet or tcpSocket probe or lifecycle handler makes the kubelet connect to any address, " +
			"which can reach services on the node or elsewhere. The Baseline profile (Kubernetes 1.34 and later) allows only an empty or unset host.",
		Remediation: "Remove the host field from liveness, readiness and startup probes and from postStart and preStop handlers; the kubelet then connects to the pod's IP.",
		References:  []check.Reference{pssRef("Host Probes / Lifecycle Hooks (v1.34+)", Baseline), nistRuntime},
	}
	defAppArmor = check.Definition{
		ID: "K8S-008", Title: "AppArmor profile overridden", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "The Baseline profile allows appArmorProfile.type only RuntimeDefault, Localhost or unset (on the pod and on every container), " +
			"and the deprecated container.apparmor.security.beta.kubernetes.io/* annotations only runtime/default, localhost/* or empty.",
		Remediation: "Remove the AppArmor override or use type RuntimeDefault (or a Localhost profile).",
		References:  []check.Reference{pssRef("AppArmor", Baseline), nistRuntime},
	}
	defSELinux = check.Definition{
		ID: "K8S-009", Title: "Custom SELinux options", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "The Baseline profile allows seLinuxOptions.type only unset, container_t, container_init_t, container_kvm_t or container_engine_t, " +
			"and forbids setting seLinuxOptions.user or seLinuxOptions.role, on the pod and on every container.",
		Remediation: "Remove seLinuxOptions.user and seLinuxOptions.role and use one of the allowed types (or none).",
		References:  []check.Reference{pssRef("SELinux", Baseline), nistRuntime},
	}
	defProcMount = check.Definition{
		ID: "K8S-010", Title: "Unmasked /proc mount", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "securityContext.procMount other than Default disables the masks that hide sensitive parts of /proc. " +
			"Both profiles allow only Default or unset; the Baseline profile allows any value in a pod with its own user namespace (hostUsers: false).",
		Remediation: "Remove securityContext.procMount or set it to Default.",
		References:  []check.Reference{pssRef("/proc Mount Type", Baseline), nistRuntime},
	}
	defSeccompBaseline = check.Definition{
		ID: "K8S-011", Title: "Seccomp profile disabled", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "The Baseline profile allows seccompProfile.type only RuntimeDefault, Localhost or unset on the pod and on every container; " +
			"Unconfined turns system call filtering off. Under the Restricted profile this control is replaced by K8S-017.",
		Remediation: "Set securityContext.seccompProfile.type to RuntimeDefault (or a Localhost profile).",
		References:  []check.Reference{pssRef("Seccomp", Baseline), nistRuntime},
	}
	defSysctls = check.Definition{
		ID: "K8S-012", Title: "Unsafe sysctl", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "The Baseline profile allows in spec.securityContext.sysctls only the namespaced, isolated \"safe\" set: " +
			"kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, " +
			"net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, " +
			"net.ipv4.tcp_rmem, net.ipv4.tcp_wmem, net.ipv4.tcp_slow_start_after_idle and net.ipv4.tcp_notsent_lowat.",
		Remediation: "Remove the other sysctls; set node-level kernel parameters on the nodes, not from a pod.",
		References:  []check.Reference{pssRef("Sysctls", Baseline), nistRuntime},
	}
	defVolumeTypes = check.Definition{
		ID: "K8S-013", Title: "Volume type not allowed by the Restricted profile", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "The Restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes; " +
			"hostPath and the other inline volume sources (nfs, iscsi, gitRepo, cloud disks...) are forbidden.",
		Remediation: "Declare the storage as a PersistentVolume and mount it through a persistentVolumeClaim, or use one of the allowed volume types.",
		References:  []check.Reference{pssRef("Volume Types", Restricted), cisRef("5.2.12", "Minimize the admission of HostPath volumes"), nistRuntime},
	}
	defPrivilegeEscalation = check.Definition{
		ID: "K8S-014", Title: "Privilege escalation allowed", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "Unless securityContext.allowPrivilegeEscalation is false, a process in the container can gain more privileges than its parent " +
			"(through set-user-ID or set-group-ID files). The Restricted profile requires false on every container (pods with spec.os.name windows are exempt).",
		Remediation: "Set securityContext.allowPrivilegeEscalation: false on every container, init container and ephemeral container.",
		References:  []check.Reference{pssRef("Privilege Escalation (v1.8+)", Restricted), cisRef("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"), nistRuntime, isoPriv},
	}
	defRunAsNonRoot = check.Definition{
		ID: "K8S-015", Title: "Not required to run as non-root", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "The Restricted profile requires runAsNonRoot: true, set on the pod (inherited by containers that do not set it) or on every container, " +
			"and never false; pods with their own user namespace (hostUsers: false) are exempt.",
		Remediation: "Set spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser, or a numeric non-root USER in the image).",
		References:  []check.Reference{pssRef("Running as Non-root", Restricted), cisRef("5.2.7", "Minimize the admission of root containers"), nistRuntime, isoPriv},
	}
	defRunAsUser = check.Definition{
		ID: "K8S-016", Title: "Runs as user 0", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "The Restricted profile (Kubernetes 1.23 and later) forbids runAsUser: 0 on the pod and on every container; " +
			"pods with their own user namespace (hostUsers: false) are exempt.",
		Remediation: "Set runAsUser to a non-zero UID, or remove it and rely on runAsNonRoot with a non-root image USER.",
		References:  []check.Reference{pssRef("Running as Non-root user (v1.23+)", Restricted), cisRef("5.2.7", "Minimize the admission of root containers"), nistRuntime, isoPriv},
	}
	defSeccompRestricted = check.Definition{
		ID: "K8S-017", Title: "Seccomp profile not set to RuntimeDefault or Localhost", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "The Restricted profile requires seccompProfile.type RuntimeDefault or Localhost, set on the pod (inherited by containers that do not set it) " +
			"or on every container; Unconfined is forbidden. Pods with spec.os.name windows are exempt.",
		Remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault.",
		References:  []check.Reference{pssRef("Seccomp (v1.19+)", Restricted), nistRuntime},
	}
	defCapabilitiesRestricted = check.Definition{
		ID: "K8S-018", Title: "Capabilities not dropped", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "The Restricted profile (Kubernetes 1.22 and later) requires every container to drop ALL capabilities and to add back none but NET_BIND_SERVICE. " +
			"Pods with spec.os.name windows are exempt.",
		Remediation: "Set securityContext.capabilities.drop: [\"ALL\"] and add only NET_BIND_SERVICE if the container binds a port below 1024.",
		References: []check.Reference{pssRef("Capabilities (v1.22+)", Restricted),
			cisRef("5.2.8", "Minimize the admission of containers with the NET_RAW capability"),
			cisRef("5.2.10", "Minimize the admission of containers with capabilities assigned"), nistRuntime, isoPriv},
	}
)

// Checks beyond the Pod Security Standards.
var (
	defResourceLimits = check.Definition{
		ID: "K8S-019", Title: "No CPU or memory limit", Domain: check.DomainKubernetes, Severity: severity.Low,
		Description: "A container without resources.limits.cpu and resources.limits.memory (and no pod-level limit) can use all of its node's CPU and memory, " +
			"starving the other pods on the node.",
		Remediation: "Set resources.limits.cpu and resources.limits.memory on every container and init container (or spec.resources.limits on the pod).",
		References:  []check.Reference{nistRuntime, isoRef("8.6", "Capacity management")},
	}
	defEnvSecret = check.Definition{
		ID: "K8S-020", Title: "Secret as a plain environment value", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "An environment variable named like a credential (PASSWORD, TOKEN, SECRET, API_KEY...) holds a literal value: the secret is stored in the manifest, " +
			"in version control and in the object that anyone able to read the workload can see.",
		Remediation: "Store the value in a Secret and reference it with valueFrom.secretKeyRef, or better mount the Secret as a file.",
		References: []check.Reference{cisRef("5.4.1", "Prefer using Secrets as files over Secrets as environment variables"),
			nistRef("4.1.4", "Embedded clear text secrets"), isoRef("5.17", "Authentication information")},
	}
	defImageTag = check.Definition{
		ID: "K8S-021", Title: "Image not pinned", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "An image without a tag, or tagged latest, runs whatever the registry serves at pull time: deployments are not reproducible and a pushed image replaces the reviewed one. " +
			"A digest (@sha256:...) pins the image.",
		Remediation: "Reference the image by digest (name@sha256:...), or at least by an immutable version tag.",
		References:  []check.Reference{nistRef("4.2.2", "Stale images in registries"), isoConfig},
	}
	defAutomountToken = check.Definition{
		ID: "K8S-022", Title: "Service account token automounted", Domain: check.DomainKubernetes, Severity: severity.Low,
		Description: "Unless automountServiceAccountToken is false on the pod or on its ServiceAccount, every container gets an API token; " +
			"a compromised container can use it against the API server. The ServiceAccount is taken into account only when it is in the same scan input.",
		Remediation: "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless the workload calls the Kubernetes API.",
		References:  []check.Reference{cisRef("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary"), nistAdmin},
	}
	defRuntimeSocket = check.Definition{
		ID: "K8S-023", Title: "Container runtime socket mounted", Domain: check.DomainKubernetes, Severity: severity.Critical,
		Description: "A hostPath volume exposes the container runtime's API socket (Docker, containerd, CRI-O, Podman) or a directory that holds it: " +
			"whoever controls the container can start privileged containers on the node and take it over.",
		Remediation: "Do not mount the runtime socket; use the Kubernetes API, or a narrowly scoped agent, for what the workload needs.",
		References:  []check.Reference{cisRef("5.2.12", "Minimize the admission of HostPath volumes"), nistRuntime, isoPriv},
	}
	defRBACWildcard = check.Definition{
		ID: "K8S-024", Title: "RBAC rule with a wildcard", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "A Role or ClusterRole rule with * in its verbs, resources or API groups grants every present and future verb, resource or group, including ones added by later API extensions.",
		Remediation: "List the verbs and resources the subject needs explicitly.",
		References:  []check.Reference{cisRef("5.1.3", "Minimize wildcard use in Roles and ClusterRoles"), nistAdmin, isoRef("5.15", "Access control")},
	}
	defRBACSecrets = check.Definition{
		ID: "K8S-025", Title: "RBAC read access to Secrets", Domain: check.DomainKubernetes, Severity: severity.Medium,
		Description: "A Role or ClusterRole rule grants get, list or watch on secrets in the core API group: list and watch return the contents of every Secret in scope.",
		Remediation: "Remove read access to secrets, or restrict it with resourceNames to the Secrets the subject needs (get only).",
		References:  []check.Reference{cisRef("5.1.2", "Minimize access to secrets"), nistAdmin, isoRef("5.18", "Access rights")},
	}
	defClusterAdmin = check.Definition{
		ID: "K8S-026", Title: "Binding to cluster-admin", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "A RoleBinding or ClusterRoleBinding grants the cluster-admin ClusterRole: full control over every resource (cluster-wide for a ClusterRoleBinding).",
		Remediation: "Bind a role with only the permissions the subjects need.",
		References:  []check.Reference{cisRef("5.1.1", "Ensure that the cluster-admin role is only used where required"), nistAdmin, isoPriv},
	}
	defRBACEscalation = check.Definition{
		ID: "K8S-027", Title: "RBAC escalate, bind or impersonate", Domain: check.DomainKubernetes, Severity: severity.High,
		Description: "The escalate and bind verbs let a subject grant permissions it does not hold; impersonate lets it act as another user, group or service account.",
		Remediation: "Remove the escalate, bind and impersonate verbs unless the subject is a trusted administrator.",
		References:  []check.Reference{cisRef("5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster"), nistAdmin, isoPriv},
	}
)

// Definitions lists the checks of this package, by ID.
var Definitions = []check.Definition{
	defHostProcess, defHostNamespaces, defPrivileged, defCapabilitiesBaseline, defHostPathVolumes,
	defHostPorts, defHostProbes, defAppArmor, defSELinux, defProcMount, defSeccompBaseline, defSysctls,
	defVolumeTypes, defPrivilegeEscalation, defRunAsNonRoot, defRunAsUser, defSeccompRestricted, defCapabilitiesRestricted,
	defResourceLimits, defEnvSecret, defImageTag, defAutomountToken, defRuntimeSocket,
	defRBACWildcard, defRBACSecrets, defClusterAdmin, defRBACEscalation,
}
