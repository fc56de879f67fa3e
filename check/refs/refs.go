// Package refs holds the references to standards that the image and
// Dockerfile checks share. Section numbers are those of the editions named
// by check.ISO27002, check.CISDocker and check.NIST800190.
package refs

import "github.com/vigil-dev/vigil/check"

// References to the standards' sections.
var (
	CisUser       = check.Reference{Standard: check.CISDocker, Section: "4.1", Title: "Ensure that a user for the container has been created"}
	CisPackages   = check.Reference{Standard: check.CISDocker, Section: "4.3", Title: "Ensure that unnecessary packages are not installed in the container"}
	CisHealth     = check.Reference{Standard: check.CISDocker, Section: "4.6", Title: "Ensure that HEALTHCHECK instructions have been added to container images"}
	CisUpdate     = check.Reference{Standard: check.CISDocker, Section: "4.7", Title: "Ensure update instructions are not used alone in the Dockerfile"}
	CisCopy       = check.Reference{Standard: check.CISDocker, Section: "4.9", Title: "Ensure that COPY is used instead of ADD in Dockerfiles"}
	CisSecrets    = check.Reference{Standard: check.CISDocker, Section: "4.10", Title: "Ensure secrets are not stored in Dockerfiles"}
	CisVerified   = check.Reference{Standard: check.CISDocker, Section: "4.11", Title: "Ensure only verified packages are installed"}
	NistConfig    = check.Reference{Standard: check.NIST800190, Section: "4.1.2", Title: "Image configuration defects"}
	NistSecrets   = check.Reference{Standard: check.NIST800190, Section: "4.1.4", Title: "Embedded clear text secrets"}
	NistUntrusted = check.Reference{Standard: check.NIST800190, Section: "4.1.5", Title: "Use of untrusted images"}
	IsoAuthInfo   = check.Reference{Standard: check.ISO27002, Section: "5.17", Title: "Authentication information"}
	IsoSupply     = check.Reference{Standard: check.ISO27002, Section: "5.21", Title: "Managing information security in the ICT supply chain"}
	IsoPrivileged = check.Reference{Standard: check.ISO27002, Section: "8.2", Title: "Privileged access rights"}
	IsoConfig     = check.Reference{Standard: check.ISO27002, Section: "8.9", Title: "Configuration management"}
	IsoLeakage    = check.Reference{Standard: check.ISO27002, Section: "8.12", Title: "Data leakage prevention"}
	IsoMonitoring = check.Reference{Standard: check.ISO27002, Section: "8.16", Title: "Monitoring activities"}
	IsoInstall    = check.Reference{Standard: check.ISO27002, Section: "8.19", Title: "Installation of software on operational systems"}
	IsoNetworks   = check.Reference{Standard: check.ISO27002, Section: "8.20", Title: "Networks security"}
)
