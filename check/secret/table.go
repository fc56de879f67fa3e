package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
)

// The token formats come from their issuers' documentation where it
// exists (cited per rule) and from the published rule sets of gitleaks and
// trufflehog where it does not; the expressions are vigil's own.
//
// rules is ordered from the most specific to the least: of two rules
// whose matches overlap, the first is reported (dropOverlaps).
var rules = []rule{
	// Google Cloud: "Create and delete service account keys" shows the
	// JSON key file: "type": "service_account", "private_key": a PKCS#8
	// PEM block with escaped newlines, "client_email".
	{
		def: &GCPServiceAccount, keywords: []string{"service_account"}, whole: true, keyMaterial: true,
		gate: func(data, _ []byte) bool { return gcpType.Match(data) },
		re:   regexp.MustCompile(`"private_key"\s*:\s*"-----BEGIN (?:RSA )?PRIVATE KEY-----(?P<secret>[A-Za-z0-9+/=\\ \r\n]{64,})-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?"`),
		accept: func(c candidate) (string, bool) {
			if m := gcpEmail.FindSubmatch(c.data); m != nil {
				return "service account " + string(m[1]), true
			}
			return "", true
		},
	},
	// RFC 7468 (PKCS#8 PRIVATE KEY, ENCRYPTED PRIVATE KEY), RFC 1421
	// headers of OpenSSL's traditional RSA/EC/DSA blocks, OpenSSH's
	// PROTOCOL.key and RFC 4880 armor (PGP PRIVATE KEY BLOCK).
	{def: &PrivateKey, keywords: []string{"private key"}, custom: pemFinder(false)},
	{def: &EncryptedPrivateKey, keywords: []string{"private key"}, custom: pemFinder(true)},
	// kubectl config view: users[].user.token, password, client-key-data
	// (a base-64 PEM key), auth-provider id-token and refresh-token.
	{
		def: &KubeconfigCredentials, keywords: []string{"client-key-data", "token:", "password:"},
		gate: func(_, lower []byte) bool {
			return bytes.Contains(lower, []byte("current-context")) || bytes.Contains(lower, []byte("kind: config"))
		},
		re:     regexp.MustCompile(`(?m)^[ \t-]*(?P<name>client-key-data|token|id-token|refresh-token|password)[ \t]*:[ \t]*["']?(?P<secret>[^\s"'#]{8,})`),
		accept: kubeValue,
	},
	// Docker: config.json "auths" written by `docker login` (auth is the
	// base-64 of user:password; identitytoken for OAuth registries), the
	// legacy ~/.dockercfg, and containers-auth.json(5) of podman/skopeo.
	{
		def: &DockerCredentials, keywords: []string{`"auth"`, `"identitytoken"`, `"password"`, `"registrytoken"`},
		file:   func(b string) bool { return b == "config.json" || b == ".dockercfg" || b == "auth.json" },
		custom: dockerConfig,
	},
	// npm's "npmrc" documentation: _authToken, _auth (base-64 user:pass)
	// and _password, optionally scoped to a registry ("//host/:_authToken").
	{
		def: &NpmCredentials, keywords: []string{"_authtoken", "_auth", "_password"}, prefix: -1,
		file: func(b string) bool { return b == ".npmrc" || b == "npmrc" },
		re:   regexp.MustCompile(`(?m)^[ \t]*(?P<scope>//[^\s=]*:)?(?P<name>_authToken|_auth|_password)[ \t]*=[ \t]*["']?(?P<secret>[^\s"']+)`),
		accept: func(c candidate) (string, bool) {
			if s := strings.TrimSuffix(c.group("scope"), ":"); s != "" {
				return "registry " + strings.TrimPrefix(s, "//"), true
			}
			return "", true
		},
	},
	// The .pypirc specification (packaging.python.org): password in a
	// repository section; PyPI API tokens start with "pypi-".
	{
		def: &PyPICredentials, keywords: []string{"password"}, prefix: -1,
		file:   func(b string) bool { return b == ".pypirc" },
		re:     regexp.MustCompile(`(?m)^[ \t]*password[ \t]*[:=][ \t]*(?P<secret>[^\s]+)`),
		accept: func(c candidate) (string, bool) { return iniSection(c.data, c.loc[0]), true },
	},
	// netrc(5): "machine NAME login USER password PASS", tokens separated
	// by any white space.
	{
		def: &NetrcPassword, keywords: []string{"password"},
		file:   func(b string) bool { return b == ".netrc" || b == "_netrc" },
		custom: netrc,
	},
	// AWS IAM "Managing access keys": a secret access key is 40 characters
	// of base 64; it is recognised by the names the AWS CLI, SDKs and
	// CloudFormation give it, or next to an access key ID.
	{
		def: &AWSSecretKey, keywords: []string{"secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret_key", "awssecretkey"},
		re:     regexp.MustCompile(`(?i)(?P<name>(?:aws[_-]?)?secret[_-]?access[_-]?key|aws[_-]?secret[_-]?key)["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`),
		accept: func(c candidate) (string, bool) { return "", randomBase64(c.secret) },
	},
	// AWS IAM identifiers: "AKIA" long-term and "ASIA" temporary access
	// key IDs, 20 characters of base 32; AWS's documented example ID
	// AKIAIOSFODNN7EXAMPLE is a placeholder (see placeholder).
	{def: &AWSSecretKey, keywords: awsIDKeywords, custom: awsSecretNearID},
	{
		def: &AWSAccessKeyID, keywords: awsIDKeywords, prefix: 4,
		re: awsID,
	},
	// Azure Storage "Configure connection strings": AccountKey is 64 bytes
	// in base 64. Azurite's well-known development account is public.
	{
		def: &AzureStorageKey, keywords: []string{"accountkey"},
		re: regexp.MustCompile(`(?i)AccountKey[ \t]*=[ \t]*(?P<secret>[A-Za-z0-9+/]{86}==)`),
		accept: func(c candidate) (string, bool) {
			line := asciiLower(c.data[lineStart(c.data, c.loc[0]):lineEnd(c.data, c.loc[1], 0)], nil)
			return "", !bytes.Contains(line, []byte("devstoreaccount1"))
		},
	},
	// Microsoft Entra client secrets: Microsoft does not document the
	// format; secrets made since 2021 carry "Q~" after a digit at index 3
	// (gitleaks' azure-ad-client-secret).
	{
		def: &AzureClientSecret, keywords: []string{"q~"},
		re:     regexp.MustCompile(`(?:^|[^A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)`),
		accept: func(c candidate) (string, bool) { return "", mixed(c.secret) && entropy(c.secret) >= 3.5 },
	},
	// GitHub "Behind GitHub's new authentication token formats" (2021):
	// a prefix, 30 base-62 characters and a 6-character base-62 CRC-32 of
	// them; fine-grained tokens are github_pat_, 22 + 1 + 59 characters.
	{
		def: &GitHubToken, keywords: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, prefix: -1,
		re: regexp.MustCompile(`\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`),
		accept: func(c candidate) (string, bool) {
			return "", strings.HasPrefix(c.secret, "github_pat_") || githubChecksum(c.secret[4:])
		},
	},
	// GitLab "Token overview": personal access tokens start with glpat-;
	// legacy ones have 20 characters, routable ones (GitLab 17.x) a longer
	// base-64 part and a ".01." version suffix.
	{
		def: &GitLabToken, keywords: []string{"glpat-"}, prefix: 6,
		re:     regexp.MustCompile(`(?P<secret>glpat-(?P<body>[A-Za-z0-9_-]{20,300})(?P<suffix>\.[0-9a-z]{2}\.[0-9a-z]{7,9})?)(?:[^A-Za-z0-9_-]|$)`),
		accept: func(c candidate) (string, bool) { return "", len(c.group("body")) == 20 || c.group("suffix") != "" },
	},
	// Slack "Token types": bot xoxb-, user xoxp-, and the older app,
	// refresh and workspace tokens; numeric team and user IDs, then a
	// random part.
	{
		def: &SlackToken, keywords: []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"}, prefix: 5,
		re: regexp.MustCompile(`\b(?P<secret>xox[baprs]-[0-9]{1,15}(?:-[0-9]{1,15}){0,2}-[A-Za-z0-9]{20,64})\b`),
	},
	// Slack "Sending messages using incoming webhooks".
	{
		def: &SlackWebhook, keywords: []string{"hooks.slack.com"}, prefix: len("https://hooks.slack.com/"),
		re: regexp.MustCompile(`(?P<secret>https://hooks\.slack\.com/(?:services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32}|(?:workflows|triggers)/T[A-Z0-9]{6,12}/A[A-Z0-9]{6,12}/[0-9]{6,20}/[A-Za-z0-9]{20,32}))`),
	},
	// Stripe "API keys": live secret keys sk_live_, restricted rk_live_.
	{
		def: &StripeKey, keywords: []string{"sk_live_", "rk_live_"}, prefix: 8,
		re: regexp.MustCompile(`\b(?P<secret>[sr]k_live_[0-9A-Za-z]{24,247})\b`),
	},
	// RFC 7519 and RFC 7515: base64url header "." payload "." signature;
	// the header is a JSON object with "alg". Unsigned tokens (alg none,
	// empty signature) are not credentials.
	{
		def: &JWT, keywords: []string{"eyj"}, prefix: 3,
		re:     regexp.MustCompile(`\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})`),
		accept: func(c candidate) (string, bool) { return jwtAlg(c.secret) },
	},
	{def: &GenericSecret, keywords: genericKeywords, custom: genericFinder},
}

var (
	gcpType       = regexp.MustCompile(`"type"\s*:\s*"service_account"`)
	gcpEmail      = regexp.MustCompile(`"client_email"\s*:\s*"([^"\s]{1,200})"`)
	awsID         = regexp.MustCompile(`\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`)
	awsIDKeywords = []string{"akia", "asia", "abia", "acca"}
	// genericKeywords are the lower-case cores of genericName.
	genericKeywords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
		"accesskey", "access_key", "access-key", "authkey", "auth_key", "auth-key", "credential"}
)

// kubeValue accepts a kubeconfig credential: client-key-data must decode
// to a PEM private key; tokens are long.
func kubeValue(c candidate) (string, bool) {
	name := c.group("name")
	switch name {
	case "client-key-data":
		key, err := base64.StdEncoding.DecodeString(c.secret)
		return name, err == nil && bytes.Contains(key, []byte("PRIVATE KEY-----"))
	case "password":
		return name, true
	}
	return name, len(c.secret) >= 16
}

// iniSection names the [section] that holds offset at of data.
func iniSection(data []byte, at int) string {
	for end := at; end > 0; {
		i := bytes.LastIndex(data[:end], []byte("\n["))
		start := i + 2
		if i < 0 {
			if !bytes.HasPrefix(data, []byte("[")) {
				return ""
			}
			start = 1
		}
		if j := bytes.IndexAny(data[start:at], "]\n"); j > 0 && j <= 100 && data[start+j] == ']' {
			return "section [" + string(data[start:start+j]) + "]"
		}
		if i < 0 {
			return ""
		}
		end = i
	}
	return ""
}

// jwtAlg accepts a JWT whose header decodes to a JSON object naming an
// algorithm other than "none".
func jwtAlg(tok string) (string, bool) {
	h, err := base64.RawURLEncoding.DecodeString(tok[:strings.IndexByte(tok, '.')])
	if err != nil {
		return "", false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(h, &hdr) != nil || hdr.Alg == "" || strings.EqualFold(hdr.Alg, "none") {
		return "", false
	}
	return "alg " + hdr.Alg, true
}
