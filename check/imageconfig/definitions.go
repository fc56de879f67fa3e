package imageconfig

import (
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/refs"
	"github.com/vigil-dev/vigil/severity"
)

// The checks of this package.
var (
	RunsAsRoot = check.Definition{
		ID: "IMG-001", Title: "Image runs as root", Domain: check.DomainImage, Severity: severity.High,
		Description: "The image configuration sets no user, or a user with UID 0, so its containers run as root unless the runtime overrides it. " +
			"A process that is compromised then holds root in the container, and one step from root on the host if the container is escaped.",
		Remediation: "Create an unprivileged user in the image and end the Dockerfile with `USER name` or `USER uid:gid`.",
		References:  []check.Reference{refs.CisUser, refs.NistConfig, refs.IsoPrivileged},
	}
	NoHealthcheck = check.Definition{
		ID: "IMG-002", Title: "Image has no HEALTHCHECK", Domain: check.DomainImage, Severity: severity.Low,
		Description: "The image configuration has no health check (or HEALTHCHECK NONE), so the engine cannot tell a hung container from a working one.",
		Remediation: "Add a `HEALTHCHECK CMD ...` instruction that probes the service, or define probes in the orchestrator.",
		References:  []check.Reference{refs.CisHealth, refs.IsoMonitoring},
	}
	RemoteAdminPort = check.Definition{
		ID: "IMG-003", Title: "Image exposes a remote administration port", Domain: check.DomainImage, Severity: severity.Medium,
		Description: "The image exposes a port of a remote login or administration service: SSH (22), telnet (23), rexec/rlogin/rsh (512-514), " +
			"the Docker Engine API (2375, 2376), RDP (3389), VNC (5900, 5901) or WinRM (5985, 5986). " +
			"Containers are administered through the orchestrator (docker exec, kubectl exec), not by a login service inside them.",
		Remediation: "Remove the EXPOSE instruction and the service behind it; use `docker exec` or `kubectl exec` for administration.",
		References:  []check.Reference{refs.NistConfig, refs.IsoNetworks},
	}
	SecretInConfig = check.Definition{
		ID: "IMG-004", Title: "Secret in the image environment or labels", Domain: check.DomainImage, Severity: severity.High,
		Description: "An environment variable or label of the image configuration holds a secret: its name says so (PASSWORD, TOKEN, API_KEY...) " +
			"and its value is not a placeholder, or its value has the shape of a known credential. Anyone who can pull the image can read it.",
		Remediation: "Remove the value from the image, rotate the credential, and provide it at run time (a secret mount, an orchestrator secret, or a *_FILE variable pointing at one).",
		References:  []check.Reference{refs.CisSecrets, refs.NistSecrets, refs.IsoAuthInfo},
	}
	SecretInHistory = check.Definition{
		ID: "IMG-005", Title: "Secret in the build history", Domain: check.DomainImage, Severity: severity.High,
		Description: "The image history records a secret: a build argument (`ARG PASSWORD`, shown on every later RUN as `|1 PASSWORD=...`), " +
			"an ENV or LABEL value later overwritten, or a credential written in a build instruction. The history ships with the image.",
		Remediation: "Rotate the credential and rebuild without it: pass build secrets with `RUN --mount=type=secret`, never as ARG or ENV.",
		References:  []check.Reference{refs.CisSecrets, refs.NistSecrets, refs.IsoAuthInfo},
	}
	RemoteAdd = check.Definition{
		ID: "IMG-006", Title: "File added from a remote URL", Domain: check.DomainImage, Severity: severity.Medium,
		Description: "A layer was made by ADD of a remote URL. The download is not verified unless a checksum was given, and the history " +
			"does not record whether one was (BuildKit omits --checksum from it; the legacy builder records only the content hash).",
		Remediation: "Download with a verified checksum (`ADD --checksum=sha256:...` or curl followed by sha256sum -c) or COPY the file from the build context.",
		References:  []check.Reference{refs.CisCopy, refs.IsoInstall},
	}
	DownloadToShell = check.Definition{
		ID: "IMG-007", Title: "Download piped into a shell in the build history", Domain: check.DomainImage, Severity: severity.High,
		Description: "A RUN instruction executed a script straight from the network (`curl ... | sh`, `sh -c \"$(wget -O- ...)\"`): " +
			"whatever the server returned at build time, unverified, ran as the build user.",
		Remediation: "Download the script to a file, verify its checksum or signature, then run it; or install the software from a signed package.",
		References:  []check.Reference{refs.CisVerified, refs.IsoInstall},
	}
	UnpinnedBase = check.Definition{
		ID: "IMG-008", Title: "Base image not pinned by digest", Domain: check.DomainImage, Severity: severity.Low,
		Description: "The image records its base (OCI annotation or label org.opencontainers.image.base.name) as a tag without a digest, so a rebuild may silently use another base. " +
			"Images that do not record their base give no finding: the history does not show FROM.",
		Remediation: "Pin the base image by digest in FROM (`FROM image:tag@sha256:...`) and update it deliberately.",
		References:  []check.Reference{refs.NistUntrusted, refs.IsoSupply},
	}
)

// Definitions lists the checks of this package.
var Definitions = []check.Definition{
	RunsAsRoot, NoHealthcheck, RemoteAdminPort, SecretInConfig, SecretInHistory, RemoteAdd, DownloadToShell, UnpinnedBase,
}
