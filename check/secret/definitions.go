package secret

import (
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/severity"
)

// References every secret check cites.
var references = []check.Reference{
	{Standard: check.ISO27002, Section: "5.17", Title: "Authentication information"},
	{Standard: check.NIST800190, Section: "4.1.4", Title: "Embedded clear text secrets"},
	{Standard: check.CISDocker, Section: "4.10", Title: "Ensure secrets are not stored in Dockerfiles"},
}

const (
	remediateRotate = "Revoke and rotate the credential now: anyone who can pull the image can read it, " +
		"from any layer, even one whose file a later layer deleted. Then rebuild the image without it: " +
		"pass build-time secrets with `RUN --mount=type=secret` and runtime secrets through the orchestrator " +
		"(Kubernetes Secrets, Docker secrets) or a secrets manager."
	layersNote = " vigil reads every layer, so a file that a later layer deleted or replaced is still reported: " +
		"it ships inside the image."
)

func def(id, title string, sev severity.Level, desc string) check.Definition {
	return check.Definition{
		ID: id, Title: title, Domain: check.DomainSecret, Severity: sev,
		Description: desc + layersNote, Remediation: remediateRotate, References: references,
	}
}

// The checks of this package. IDs are stable; never reuse one.
var (
	PrivateKey = def("SEC-001", "Private key", severity.Critical,
		"A PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8 or PGP) whose body decodes to a key and is not encrypted.")
	EncryptedPrivateKey = def("SEC-002", "Encrypted private key", severity.Medium,
		"A passphrase-protected private key (PKCS#8 ENCRYPTED PRIVATE KEY, a PEM block with Proc-Type 4,ENCRYPTED, "+
			"or an OpenSSH key with a cipher): it can be attacked offline by guessing the passphrase.")
	AWSAccessKeyID = def("SEC-003", "AWS access key ID", severity.Medium,
		"An AWS access key ID (AKIA, ASIA, ABIA or ACCA followed by 16 base-32 characters). The ID alone does "+
			"not authenticate, but it names a key whose secret is usually close by. AWS's documentation example "+
			"(ending in EXAMPLE) is not reported.")
	AWSSecretKey = def("SEC-004", "AWS secret access key", severity.Critical,
		"A 40-character AWS secret access key, assigned to a known variable name (aws_secret_access_key, "+
			"SecretAccessKey) or written next to an access key ID.")
	GCPServiceAccount = def("SEC-005", "Google Cloud service account key", severity.Critical,
		"A Google Cloud service account key file (JSON with \"type\": \"service_account\" and a private_key).")
	AzureStorageKey = def("SEC-006", "Azure storage account key", severity.Critical,
		"An Azure storage account key in a connection string (AccountKey=, 88 base-64 characters). "+
			"The Azurite emulator's published development key (devstoreaccount1) is not reported.")
	AzureClientSecret = def("SEC-007", "Azure AD client secret", severity.High,
		"A Microsoft Entra ID (Azure AD) application client secret (three characters, a digit and \"Q~\", then 31 to 34 characters).")
	GitHubToken = def("SEC-008", "GitHub token", severity.High,
		"A GitHub personal access, OAuth, user-to-server, server-to-server or refresh token (ghp_, gho_, ghu_, "+
			"ghs_, ghr_ with a valid CRC-32 checksum) or a fine-grained personal access token (github_pat_).")
	GitLabToken = def("SEC-009", "GitLab personal access token", severity.High,
		"A GitLab personal access token (glpat-).")
	SlackToken = def("SEC-010", "Slack token", severity.High,
		"A Slack bot, user, app, refresh or legacy token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-).")
	SlackWebhook = def("SEC-011", "Slack incoming webhook URL", severity.Medium,
		"A Slack incoming webhook URL (https://hooks.slack.com/services/...): anyone holding it can post to the channel.")
	StripeKey = def("SEC-012", "Stripe live API key", severity.High,
		"A Stripe live-mode secret or restricted API key (sk_live_, rk_live_).")
	JWT = def("SEC-013", "JSON Web Token", severity.Medium,
		"A signed JSON Web Token (three base64url parts whose header is a JSON object naming an algorithm): "+
			"a bearer credential until it expires.")
	NpmCredentials = def("SEC-014", "npm registry credentials in .npmrc", severity.High,
		"An .npmrc (or npmrc) file that holds a registry credential (_authToken, _auth or _password).")
	PyPICredentials = def("SEC-015", "Package index password in .pypirc", severity.High,
		"A .pypirc file that holds a password or API token for a package index.")
	NetrcPassword = def("SEC-016", "Password in .netrc", severity.High,
		"A .netrc (or _netrc) file that holds a password for a machine (used by curl, git, ftp and pip).")
	DockerCredentials = def("SEC-017", "Container registry credentials in a Docker config", severity.High,
		"A Docker client configuration (config.json \"auths\", or a legacy .dockercfg) that holds a registry "+
			"login (base-64 user:password), a password or an identity token, as `docker login` writes it.")
	KubeconfigCredentials = def("SEC-018", "Kubernetes credentials in a kubeconfig", severity.High,
		"A kubeconfig whose users hold a bearer token, a password or a client private key (client-key-data).")
	GenericSecret = def("SEC-019", "Hard-coded secret assignment", severity.Medium,
		"A value with the randomness of a generated secret assigned to a name such as password, secret, token "+
			"or api_key. Placeholders (changeme, xxx, ${VAR}, <...>) and references to other variables are not reported.")
)

// Definitions are the secret checks, for check/all.
var Definitions = []check.Definition{
	PrivateKey, EncryptedPrivateKey, AWSAccessKeyID, AWSSecretKey, GCPServiceAccount, AzureStorageKey,
	AzureClientSecret, GitHubToken, GitLabToken, SlackToken, SlackWebhook, StripeKey, JWT, NpmCredentials,
	PyPICredentials, NetrcPassword, DockerCredentials, KubeconfigCredentials, GenericSecret,
}
