package secret_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/internal/testenv"
)

// run runs a real tool; the test fails if it is missing.
func run(t *testing.T, env []string, stdin string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// scanFile scans a file the tools wrote, under the path it has in an
// image, and wants exactly one match of check want.
func scanFile(t *testing.T, file, imagePath, want string) secret.Match {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ms := secret.ScanBytes(imagePath, data, secret.Options{})
	if len(ms) != 1 || ms[0].RuleID != want {
		t.Fatalf("%s: got %+v, want one %s", imagePath, ms, want)
	}
	return ms[0]
}

// TestToolGeneratedKeys: keys written by ssh-keygen and openssl, plain
// and passphrase-protected, in every format they write.
func TestToolGeneratedKeys(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, want, kind string
		args             []string
	}{
		{"ssh-ed25519", "SEC-001", "OpenSSH", []string{"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f"}},
		{"ssh-rsa", "SEC-001", "OpenSSH", []string{"ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"}},
		{"ssh-ecdsa-pem", "SEC-001", "EC", []string{"ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-f"}},
		{"ssh-ed25519-encrypted", "SEC-002", "OpenSSH", []string{"ssh-keygen", "-q", "-t", "ed25519", "-N", "vigil test passphrase", "-f"}},
		{"openssl-rsa", "SEC-001", "PKCS#8", []string{"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"}},
		{"openssl-ed25519", "SEC-001", "PKCS#8", []string{"openssl", "genpkey", "-algorithm", "ed25519", "-out"}},
		{"openssl-ec-encrypted", "SEC-002", "PKCS#8", []string{"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "pass:vigil-test", "-out"}},
		{"openssl-rsa-traditional", "SEC-001", "RSA", []string{"openssl", "genrsa", "-traditional", "-out"}},
		{"openssl-rsa-traditional-encrypted", "SEC-002", "RSA", []string{"openssl", "genrsa", "-traditional", "-aes128", "-passout", "pass:vigil-test", "-out"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, c.name)
			run(t, nil, "", c.args[0], append(c.args[1:], f)...)
			m := scanFile(t, f, "/root/.ssh/"+c.name, c.want)
			if m.Detail != c.kind || m.Redacted != "" || m.Line != 1 || !strings.HasPrefix(m.Snippet, "-----BEGIN") {
				t.Errorf("got %+v, want a %s key, nothing shown", m, c.kind)
			}
			if _, err := os.Stat(f + ".pub"); err == nil {
				if ms := secret.ScanBytes("/root/.ssh/id.pub", mustRead(t, f+".pub"), secret.Options{}); len(ms) != 0 {
					t.Errorf("public key reported: %+v", ms)
				}
			}
		})
	}
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNpmConfigSet: the .npmrc that `npm config set` writes.
func TestNpmConfigSet(t *testing.T) {
	home := t.TempDir()
	tok := "np" + "m_" + randFrom(alnum, 36)
	env := []string{"HOME=" + home, "npm_config_userconfig=" + filepath.Join(home, ".npmrc"), "npm_config_update_notifier=false"}
	run(t, env, "", "npm", "config", "set", "//npm.internal.test/:_authToken="+tok)
	m := scanFile(t, filepath.Join(home, ".npmrc"), "/root/.npmrc", "SEC-014")
	if m.Detail != "registry npm.internal.test/" || m.Redacted != "np"+"m_****" {
		t.Errorf("got %+v", m)
	}
	assertRedacted(t, m, tok)
}

// TestKubectlConfig: kubeconfigs as kubectl writes them, with a token and
// with an embedded client key; a kubeconfig with neither yields nothing.
func TestKubectlConfig(t *testing.T) {
	dir := t.TempDir()
	key, crt := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	run(t, nil, "", "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=vigil-test", "-days", "1", "-keyout", key, "-out", crt)
	tok := jwt("RS256", true)
	for _, c := range []struct {
		name, want string
		creds      []string
	}{
		{"token", "SEC-018", []string{"--token=" + tok}},
		{"client-key", "SEC-018", []string{"--client-certificate=" + crt, "--client-key=" + key, "--embed-certs=true"}},
		{"none", "", []string{"--username=viewer"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := filepath.Join(dir, c.name+".kubeconfig")
			env := []string{"KUBECONFIG=" + cfg}
			run(t, env, "", "kubectl", "config", "set-cluster", "test", "--server=https://10.0.0.1:6443")
			run(t, env, "", "kubectl", append([]string{"config", "set-credentials", "admin"}, c.creds...)...)
			run(t, env, "", "kubectl", "config", "set-context", "test", "--cluster=test", "--user=admin")
			run(t, env, "", "kubectl", "config", "use-context", "test")
			ms := secret.ScanBytes("/root/.kube/config", mustRead(t, cfg), secret.Options{})
			if c.want == "" {
				if len(ms) != 0 {
					t.Fatalf("false positive: %+v", ms)
				}
				return
			}
			if len(ms) != 1 || ms[0].RuleID != c.want {
				t.Fatalf("got %+v, want one %s", ms, c.want)
			}
			if c.name == "token" {
				assertRedacted(t, ms[0], tok)
			}
		})
	}
}

// TestDockerLogin: the config.json that `docker login` writes, against
// the local test registry (which accepts any login).
func TestDockerLogin(t *testing.T) {
	reg := testenv.Get(t, "VIGIL_TEST_REGISTRY")
	dir := t.TempDir()
	pass := "Vt" + randFrom(alnum, 18)
	run(t, nil, pass+"\n", "docker", "--config", dir, "login", "-u", "vigil-ci", "--password-stdin", reg)
	m := scanFile(t, filepath.Join(dir, "config.json"), "/root/.docker/config.json", "SEC-017")
	if m.Detail != "registry "+reg || m.Line != 4 {
		t.Errorf("got %+v", m)
	}
	assertRedacted(t, m, pass)
}
