package secretvar

import (
	"strings"
	"testing"
)

func TestNamed(t *testing.T) {
	for name, want := range map[string]bool{
		"PASSWORD": true, "DB_PASSWORD": true, "dbPassword": true, "MYSQL_ROOT_PASSWORD": true,
		"GITHUB_TOKEN": true, "API_KEY": true, "apiKey": true, "APIKEY": true, "PRIVATE_KEY": true,
		"AWS_SECRET_ACCESS_KEY": true, "SECRET_KEY_BASE": true, "CLIENT_SECRET": true, "NPM_AUTH_TOKEN": true,
		"REDIS_PASS": true, "credentials": true,
		"GPG_KEY": false, "KEY": false, "PUBLIC_KEY": false, "AWS_ACCESS_KEY_ID": false,
		"PASSWORD_FILE": false, "POSTGRES_PASSWORD_FILE": false, "TOKEN_URL": false, "PASSWORD_MIN_LENGTH": false,
		"SECRET_NAME": false, "TOKENIZERS_PARALLELISM": false, "BYPASS_CACHE": false, "PATH": false, "": false,
	} {
		if got := Named(name); got != want {
			t.Errorf("Named(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for v, want := range map[string]bool{
		"": true, "x": true, "abc": true, "${PASSWORD}": true, "$PASSWORD": true, "${PW:-default}": true,
		"<password>": true, "{{ .Token }}": true, "********": true, "xxxxxxxx": true, "/run/secrets/db": true,
		"changeme": false, "hunter2": false, "s3cr3t-value": false, "%APPDATA%": true, "null": true, "true": true,
		"a value with /slash": false,
	} {
		if got := Placeholder(v); got != want {
			t.Errorf("Placeholder(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestShapeAndRedact(t *testing.T) {
	for _, tc := range []struct{ value, kind string }{
		{"AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"},
		{"token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here", "a GitHub token"},
		{"github_pat_" + strings.Repeat("a", 82), "a GitHub token"},
		{"glpat-abcdefghij0123456789", "a GitLab token"},
		{"xoxb-123456789012-abcdef", "a Slack token"},
		{"sk_live_" + strings.Repeat("a", 24), "a Stripe secret key"},
		{"npm_" + strings.Repeat("A", 36), "an npm token"},
		{"AIza" + strings.Repeat("b", 35), "a Google API key"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nabc", "a private key"},
		{"-----BEGIN PUBLIC KEY-----", ""},
		{"ghp_short", ""},
		{"sk_test_" + strings.Repeat("a", 24), ""},
		{"A035C8C19219BA821ECEA86B64E628F8D684696D", ""},
	} {
		if got := Shape(tc.value); got != tc.kind {
			t.Errorf("Shape(%q) = %q, want %q", tc.value, got, tc.kind)
		}
		red := RedactText(tc.value)
		if tc.kind != "" && (Shape(red) != "" || !strings.Contains(red, Redacted)) {
			t.Errorf("RedactText(%q) = %q", tc.value, red)
		}
		if tc.kind == "" && red != tc.value {
			t.Errorf("RedactText changed %q to %q", tc.value, red)
		}
	}
}

func TestMatch(t *testing.T) {
	if _, ok := Match("PASSWORD", "${PASSWORD}"); ok {
		t.Error("a reference is not a secret")
	}
	if why, ok := Match("NOTES", "AKIAIOSFODNN7EXAMPLE"); !ok || !strings.Contains(why, "AWS") {
		t.Errorf("shape not matched: %q %v", why, ok)
	}
	if why, ok := Match("DB_PASSWORD", "hunter2hunter2"); !ok || strings.Contains(why, "hunter2") {
		t.Errorf("Match = %q, %v", why, ok)
	}
}
