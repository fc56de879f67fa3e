package secret_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/pem"
	"hash/crc32"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/check/secret"
)

// Test secrets are made at run time from random bytes: none is committed,
// and none is valid anywhere. Prefixes are split ("gh"+"p_") so that the
// source holds nothing a secret scanner would flag.

var rng = mrand.New(mrand.NewChaCha8([32]byte{'v', 'i', 'g', 'i', 'l'}))

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// githubToken builds a token with GitHub's documented checksum: the
// CRC-32 of the 30 random characters in 6 base-62 digits.
func githubToken(kind string, valid bool) string {
	r := randFrom(alnum, 30)
	sum := crc32.ChecksumIEEE([]byte(r))
	if !valid {
		sum++
	}
	var c [6]byte
	for i := 5; i >= 0; i-- {
		c[i] = alnum[sum%62]
		sum /= 62
	}
	return "gh" + kind + "_" + r + string(c[:])
}

func awsKeyID() string {
	return "AK" + "IA" + base32.StdEncoding.EncodeToString(randBytes(10))[:16]
}

func awsSecret() string { return base64.StdEncoding.EncodeToString(randBytes(30)) }

func jwt(alg string, signed bool) string {
	enc := base64.RawURLEncoding.EncodeToString
	tok := enc([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"1234567890","name":"vigil test","iat":1516239022}`)) + "."
	if signed {
		mac := hmac.New(sha256.New, randBytes(32))
		mac.Write([]byte(tok))
		tok += enc(mac.Sum(nil))
	}
	return tok
}

func pemKey(t testing.TB, kind string) string {
	t.Helper()
	var der []byte
	var err error
	typ := "PRIVATE KEY"
	switch kind {
	case "rsa":
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		der, typ = x509.MarshalPKCS1PrivateKey(k), "RSA PRIVATE KEY"
	case "ec":
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, err = x509.MarshalECPrivateKey(k)
		typ = "EC PRIVATE KEY"
	default:
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, err = x509.MarshalPKCS8PrivateKey(k)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// ruleCase is a file that holds one secret (or none, want "").
type ruleCase struct {
	name, path, text string
	want             string // check ID
	also             string // another check ID expected
	shown            string // what Redacted must be
	secret           string // must appear in no output
}

func ruleCases(t testing.TB) []ruleCase {
	gh := githubToken("p", true)
	pat := "github" + "_pat_" + randFrom(alnum, 22) + "_" + randFrom(alnum, 59)
	glpat := "gl" + "pat-" + randFrom(alnum+"_-", 20)
	slack := "xo" + "xb-" + randFrom("0123456789", 12) + "-" + randFrom("0123456789", 13) + "-" + randFrom(alnum, 24)
	hook := "https://hooks.slack.com/" + "services/T" + randFrom("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 8) + "/B" + randFrom("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10) + "/" + randFrom(alnum, 24)
	stripe := "sk" + "_live_" + randFrom(alnum, 24)
	keyID, awsSec := awsKeyID(), awsSecret()
	azKey := base64.StdEncoding.EncodeToString(randBytes(64))
	azSecret := randFrom(alnum, 3) + "8Q" + "~" + randFrom(alnum+"_~.-", 33)
	tok := jwt("HS256", true)
	npmTok := "np" + "m_" + randFrom(alnum, 36)
	pypiTok := "py" + "pi-AgEIcHlwaS5vcmc" + randFrom(alnum, 60)
	netrcPass := "R4nd" + randFrom(alnum, 16)
	generic := randFrom(alnum, 20) + "9aZ"
	pk := pemKey(t, "pkcs8")
	gcpKey := strings.ReplaceAll(pk, "\n", `\n`)
	rsaKey := pemKey(t, "rsa")
	ecKey := pemKey(t, "ec")
	dockerAuth := base64.StdEncoding.EncodeToString([]byte("ci-bot:" + randFrom(alnum, 20)))
	kubeTok := jwt("RS256", true)
	return []ruleCase{
		{"pkcs8 key", "/etc/ssl/private/app.key", pk, "SEC-001", "", "", pk[28 : len(pk)-26]},
		{"rsa key", "/root/id_rsa", rsaKey, "SEC-001", "", "", rsaKey[32 : len(rsaKey)-30]},
		{"ec key in env", "/app/.env", "KEY=\"" + strings.ReplaceAll(ecKey, "\n", `\n`) + "\"\n", "SEC-001", "", "", ""},
		{"documentation key", "/usr/share/doc/x/README", "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----\n", "", "", "", ""},
		{"aws credentials", "/root/.aws/credentials", "[default]\naws_secret_access_key = " + awsSec + "\n", "SEC-004", "", "****", awsSec},
		{"aws key id", "/app/conf.ini", "key_id = " + keyID + "\n", "SEC-003", "", keyID[:4] + "****", keyID},
		{"aws csv", "/home/u/keys.csv", "Access key ID,Secret access key\n" + keyID + "," + awsSec + "\n", "SEC-004", "SEC-003", "****", awsSec},
		{"aws example", "/usr/share/doc/aws/README", "aws_access_key_id = AKIA" + "IOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY\n", "", "", "", ""},
		{"aws hex near id", "/app/x.txt", "id " + keyID + "\nsha1 " + randFrom("0123456789abcdef", 40) + "\n", "SEC-003", "", keyID[:4] + "****", keyID},
		{"gcp key", "/app/sa.json", `{"type": "service_account", "project_id": "p", "private_key_id": "abc", "private_key": "` + gcpKey + `", "client_email": "x@p.iam.gserviceaccount.com"}`, "SEC-005", "", "", ""},
		{"gcp user creds", "/app/adc.json", `{"type": "authorized_user", "client_id": "x"}`, "", "", "", ""},
		{"azure storage", "/app/appsettings.json", `"Storage": "DefaultEndpointsProtocol=https;AccountName=vigilprod;AccountKey=` + azKey + `;EndpointSuffix=core.windows.net"`, "SEC-006", "", "****", azKey},
		{"azurite", "/app/appsettings.Development.json", `"Storage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"`, "", "", "", ""},
		{"azure client secret", "/app/config.yaml", "clientSecret: " + azSecret + "\n", "SEC-007", "", "****", azSecret},
		{"github token", "/app/.env", "GH_TOKEN=" + gh + "\n", "SEC-008", "", "gh" + "p_****", gh},
		{"github bad checksum", "/app/.env", "GH=" + githubToken("p", false) + "\n", "", "", "", ""},
		{"github placeholder", "/app/.env", "GH=gh" + "p_" + strings.Repeat("x", 36) + "\n", "", "", "", ""},
		{"github fine-grained", "/app/ci.sh", "curl -H 'Authorization: Bearer " + pat + "' https://api.github.com\n", "SEC-008", "", "github" + "_pat_****", pat},
		{"gitlab", "/app/.gitlab-token", glpat + "\n", "SEC-009", "", "gl" + "pat-****", glpat},
		{"gitlab placeholder", "/app/README.md", "export GITLAB_TOKEN=glpat-<your-token>\n", "", "", "", ""},
		{"slack token", "/app/bot.py", "client = WebClient(token=\"" + slack + "\")\n", "SEC-010", "", "xo" + "xb-****", slack},
		{"slack webhook", "/etc/alertmanager.yml", "api_url: " + hook + "\n", "SEC-011", "", "https://hooks.slack.com/****", hook},
		{"slack docs webhook", "/usr/share/doc/x.md", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n", "", "", "", ""},
		{"stripe", "/app/settings.py", "STRIPE_KEY = '" + stripe + "'\n", "SEC-012", "", "sk" + "_live_****", stripe},
		{"stripe test key", "/app/settings.py", "STRIPE_KEY = 'sk_test_" + randFrom(alnum, 24) + "'\n", "", "", "", ""},
		{"jwt", "/app/req.http", "Authorization: Bearer " + tok + "\n", "SEC-013", "", "eyJ****", tok},
		{"unsigned jwt", "/app/req.http", "Authorization: Bearer " + jwt("none", false) + "\n", "", "", "", ""},
		{"npmrc", "/root/.npmrc", "//registry.npmjs.org/:_authToken=" + npmTok + "\n", "SEC-014", "", "np" + "m_****", npmTok},
		{"npmrc variable", "/app/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", "", "", "", ""},
		{"pypirc", "/root/.pypirc", "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = " + pypiTok + "\n", "SEC-015", "", "py" + "pi-****", pypiTok},
		{"pypirc placeholder", "/root/.pypirc", "[pypi]\nusername = __token__\npassword = <your PyPI token>\n", "", "", "", ""},
		{"netrc", "/root/.netrc", "machine git.internal.test\n  login ci\n  password " + netrcPass + "\n", "SEC-016", "", "****", netrcPass},
		{"netrc placeholder", "/root/.netrc", "machine api.github.com login octocat password changeme\n", "", "", "", ""},
		{"docker config", "/root/.docker/config.json", "{\n\t\"auths\": {\n\t\t\"registry.internal.test\": {\n\t\t\t\"auth\": \"" + dockerAuth + "\"\n\t\t}\n\t}\n}", "SEC-017", "", "****", dockerAuth},
		{"docker credential store", "/root/.docker/config.json", `{"auths": {"https://index.docker.io/v1/": {}}, "credsStore": "desktop"}`, "", "", "", ""},
		{"kubeconfig token", "/root/.kube/config", "apiVersion: v1\nkind: Config\ncurrent-context: c\nusers:\n- name: admin\n  user:\n    token: " + kubeTok + "\n", "SEC-018", "", "****", kubeTok},
		{"kubeconfig exec plugin", "/root/.kube/config", "apiVersion: v1\nkind: Config\ncurrent-context: c\nusers:\n- name: admin\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token]\n", "", "", "", ""},
		{"generic", "/app/.env", "DB_PASSWORD=" + generic + "\n", "SEC-019", "", "****", generic},
		{"generic environ", "/app/settings.py", "password = os.environ[\"DB_PASSWORD\"]\n", "", "", "", ""},
		{"generic placeholder", "/app/.env.example", "DB_PASSWORD=changeme\nAPI_TOKEN=${API_TOKEN}\nSECRET_KEY=<generate one>\n", "", "", "", ""},
		{"generic policy", "/etc/security/pwquality.conf", "PASSWORD_MIN_LENGTH=12\npassword_file = /run/secrets/db\n", "", "", "", ""},
		{"generic reference", "/app/app.py", "secret_key = settings.SECRET_KEY\ntoken = self.session_token2\nif password == \"hunter2abc1\":\n", "", "", "", ""},
	}
}

// TestRules: every rule reports its secret, redacted, with the line; the
// clean counterpart of every rule reports nothing.
func TestRules(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range ruleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ms := secret.ScanBytes(c.path, []byte(c.text), secret.Options{})
			if c.want == "" {
				for _, m := range ms {
					t.Errorf("false positive: %+v", m)
				}
				return
			}
			if c.also != "" {
				if len(ms) != 2 || ms[0].RuleID != c.also {
					t.Fatalf("got %+v, want %s then %s", ms, c.also, c.want)
				}
				ms = ms[1:]
			}
			if len(ms) != 1 {
				t.Fatalf("got %d matches, want one %s: %+v", len(ms), c.want, ms)
			}
			m := ms[0]
			covered[m.RuleID] = true
			if m.RuleID != c.want || m.Redacted != c.shown {
				t.Errorf("got %s %q, want %s %q", m.RuleID, m.Redacted, c.want, c.shown)
			}
			if want := 1 + strings.Count(c.text[:strings.Index(c.text, firstLineOf(c))], "\n"); m.Line != want {
				t.Errorf("line %d, want %d", m.Line, want)
			}
			assertRedacted(t, m, c.secret)
		})
	}
	for _, d := range secret.Definitions {
		if d.ID != "SEC-002" && !covered[d.ID] { // SEC-002 needs a real encrypted key: TestToolGeneratedKeys
			t.Errorf("no case for %s", d.ID)
		}
	}
}

// firstLineOf is the text the match must be on: the secret's first
// line, or the line of the key header.
func firstLineOf(c ruleCase) string {
	if c.secret == "" || strings.Contains(c.text, "-----BEGIN") {
		return c.text[:min(10, len(c.text))]
	}
	return strings.SplitN(c.secret, "\n", 2)[0]
}

// assertRedacted fails if any part of m shows 8 characters of secret
// beyond its public prefix.
func assertRedacted(t *testing.T, m secret.Match, s string) {
	t.Helper()
	s = strings.TrimSpace(s)
	for i := len(strings.TrimSuffix(m.Redacted, "****")); i+8 <= len(s); i++ {
		part := s[i : i+8]
		for _, out := range []string{m.Redacted, m.Snippet, m.Detail, m.Digest} {
			if strings.Contains(out, part) {
				t.Fatalf("output %q shows the secret", out)
			}
		}
	}
	if len(m.Snippet) > 160 || !slices.Contains([]int{64}, len(m.Digest)) {
		t.Errorf("snippet of %d bytes, digest %q", len(m.Snippet), m.Digest)
	}
}
