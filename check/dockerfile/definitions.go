package dockerfile

import (
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/refs"
	"github.com/vigil-dev/vigil/severity"
)

// The checks of this package.
var (
	LatestBase = check.Definition{
		ID: "DF-001", Title: "Base image uses the latest tag", Domain: check.DomainDockerfile, Severity: severity.Medium,
		Description: "A FROM instruction names an image with no tag or the tag `latest` (after ARG defaults are substituted), so each build may take a different base: " +
			"builds are not reproducible and a compromised or broken upstream release is taken silently. `scratch` and earlier build stages are not reported.",
		Remediation: "Name a specific version and pin its digest: `FROM image:1.2.3@sha256:...`.",
		References:  []check.Reference{refs.NistUntrusted, refs.IsoSupply},
	}
	UnpinnedBase = check.Definition{
		ID: "DF-002", Title: "Base image not pinned by digest", Domain: check.DomainDockerfile, Severity: severity.Low,
		Description: "A FROM instruction names an image by tag without a digest. Tags move: the same Dockerfile can build on different content tomorrow. " +
			"(A FROM without tag or with `latest` is reported by DF-001 instead.)",
		Remediation: "Append the digest of the image you reviewed: `FROM image:1.2.3@sha256:...`, and update it deliberately (e.g. with a dependency bot).",
		References:  []check.Reference{refs.NistUntrusted, refs.IsoSupply},
	}
	RootUser = check.Definition{
		ID: "DF-003", Title: "Final stage runs as root", Domain: check.DomainDockerfile, Severity: severity.High,
		Description: "The final build stage (with the stages it derives from) sets no USER, or its last USER is root or UID 0. " +
			"Without USER the image runs as the base image's user, which is root for almost every base image.",
		Remediation: "Create an unprivileged user and end the final stage with `USER name` or `USER uid:gid`.",
		References:  []check.Reference{refs.CisUser, refs.NistConfig, refs.IsoPrivileged},
	}
	RemoteAdd = check.Definition{
		ID: "DF-004", Title: "ADD from a remote URL without a checksum", Domain: check.DomainDockerfile, Severity: severity.Medium,
		Description: "ADD downloads a URL (or git repository) without `--checksum`: whatever the server returns at build time goes into the image unverified. " +
			"With `ADD --checksum=sha256:...` the builder verifies the download, so it is not reported.",
		Remediation: "Add `--checksum=sha256:<digest>` to the ADD, or COPY the file from the build context.",
		References:  []check.Reference{refs.CisCopy, refs.IsoInstall},
	}
	AptRecommends = check.Definition{
		ID: "DF-005", Title: "apt-get install without --no-install-recommends", Domain: check.DomainDockerfile, Severity: severity.Low,
		Description: "apt-get install in the final image's stages installs recommended packages too: more software, more vulnerabilities, larger image.",
		Remediation: "Use `apt-get install -y --no-install-recommends ...`.",
		References:  []check.Reference{refs.CisPackages, refs.IsoConfig},
	}
	AptLists = check.Definition{
		ID: "DF-006", Title: "apt lists not removed in the same RUN", Domain: check.DomainDockerfile, Severity: severity.Low,
		Description: "A RUN in the final image's stages runs apt-get update but does not remove /var/lib/apt/lists in the same RUN: the package lists stay in the layer, " +
			"and an update in a RUN of its own is cached and goes stale for later installs.",
		Remediation: "Update, install and clean in one RUN: `apt-get update && apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*` " +
			"(or use a cache mount on /var/lib/apt/lists).",
		References: []check.Reference{refs.CisUpdate, refs.IsoConfig},
	}
	DownloadToShell = check.Definition{
		ID: "DF-007", Title: "Download piped into a shell", Domain: check.DomainDockerfile, Severity: severity.High,
		Description: "A RUN executes a script straight from the network (`curl ... | sh`, `wget -O- ... | bash`, `sh -c \"$(curl ...)\"`): " +
			"whatever the server returns at build time runs unverified.",
		Remediation: "Download to a file, verify its checksum or signature, then run it; or install the software from a signed package.",
		References:  []check.Reference{refs.CisVerified, refs.IsoInstall},
	}
	SecretArgEnv = check.Definition{
		ID: "DF-008", Title: "Secret in ARG or ENV", Domain: check.DomainDockerfile, Severity: severity.High,
		Description: "An ARG or ENV holds a secret: its name says so (PASSWORD, TOKEN, API_KEY...) and it has a real value, or its value has the shape of a known credential. " +
			"ENV values are stored in the image configuration and ARG values in its history; a secret-named ARG without default is reported too, " +
			"since the value passed with --build-arg is recorded in the history of every RUN that follows.",
		Remediation: "Remove the secret from the Dockerfile and rotate it; pass build secrets with `RUN --mount=type=secret,id=...` and runtime secrets through the orchestrator.",
		References:  []check.Reference{refs.CisSecrets, refs.NistSecrets, refs.IsoAuthInfo},
	}
	NoHealthcheck = check.Definition{
		ID: "DF-009", Title: "No HEALTHCHECK in the final stage", Domain: check.DomainDockerfile, Severity: severity.Low,
		Description: "The final stage (with the stages it derives from) has no HEALTHCHECK, or HEALTHCHECK NONE: the engine cannot tell a hung container from a working one.",
		Remediation: "Add `HEALTHCHECK CMD ...` that probes the service, or define probes in the orchestrator.",
		References:  []check.Reference{refs.CisHealth, refs.IsoMonitoring},
	}
	Sudo = check.Definition{
		ID: "DF-010", Title: "sudo in RUN", Domain: check.DomainDockerfile, Severity: severity.Medium,
		Description: "A RUN uses sudo. Build steps run as the current USER; sudo in them means the image carries sudo and a user allowed to become root, a privilege escalation path at run time.",
		Remediation: "Switch with `USER root` for the steps that need it and back to the unprivileged user afterwards; do not install sudo.",
		References:  []check.Reference{refs.IsoPrivileged, refs.NistConfig},
	}
	RemoteAdminPort = check.Definition{
		ID: "DF-011", Title: "EXPOSE of a remote administration port", Domain: check.DomainDockerfile, Severity: severity.Medium,
		Description: "The final stage exposes a port of a remote login or administration service: SSH (22), telnet (23), rexec/rlogin/rsh (512-514), " +
			"the Docker Engine API (2375, 2376), RDP (3389), VNC (5900, 5901) or WinRM (5985, 5986).",
		Remediation: "Remove the EXPOSE and the service; administer containers with `docker exec` or `kubectl exec`.",
		References:  []check.Reference{refs.NistConfig, refs.IsoNetworks},
	}
	WholeContext = check.Definition{
		ID: "DF-012", Title: "Whole build context copied without .dockerignore", Domain: check.DomainDockerfile, Severity: severity.Medium,
		Description: "COPY or ADD of `.` in the final image's stages copies the whole build context, and no .dockerignore (nor <Dockerfile>.dockerignore) was found beside it: " +
			".git, .env files, credentials and build leftovers end up in the image.",
		Remediation: "Copy only what the image needs, or add a .dockerignore that excludes .git, secrets and local files.",
		References:  []check.Reference{refs.NistSecrets, refs.IsoLeakage},
	}
)

// Definitions lists the checks of this package.
var Definitions = []check.Definition{
	LatestBase, UnpinnedBase, RootUser, RemoteAdd, AptRecommends, AptLists, DownloadToShell,
	SecretArgEnv, NoHealthcheck, Sudo, RemoteAdminPort, WholeContext,
}

// remoteAdminPorts are the IANA-registered ports of remote login and
// administration services (22 ssh, 23 telnet, 512 exec, 513 login, 514
// shell, 2375/2376 docker and docker-s, 3389 ms-wbt-server, 5900 rfb,
// 5985/5986 wsman) and 5901, VNC's conventional second display.
var remoteAdminPorts = map[int]string{
	22: "SSH", 23: "telnet", 512: "rexec", 513: "rlogin", 514: "rsh",
	2375: "Docker Engine API, plain HTTP", 2376: "Docker Engine API, TLS",
	3389: "RDP", 5900: "VNC", 5901: "VNC", 5985: "WinRM, HTTP", 5986: "WinRM, HTTPS",
}

// RemoteAdminService names the remote administration service that
// listens on port by convention, and reports whether there is one.
func RemoteAdminService(port int) (string, bool) {
	s, ok := remoteAdminPorts[port]
	return s, ok
}
