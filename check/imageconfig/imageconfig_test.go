package imageconfig

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile/secretvar"
	"github.com/vigil-dev/vigil/inventory"
)

// ids lists "ID object" for each finding, sorted.
func ids(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.CheckID+" "+f.Evidence.Object)
	}
	slices.Sort(out)
	return out
}

// hardenedConfig is a configuration every check accepts.
func hardenedConfig() *v1.ConfigFile {
	return &v1.ConfigFile{Config: v1.Config{
		User:         "10001:10001",
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/app", "health"}},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Env:          []string{"PATH=/usr/bin", "DB_PASSWORD_FILE=/run/secrets/db", "TOKEN_URL=https://auth.example.com"},
		Labels:       map[string]string{"org.opencontainers.image.base.name": "docker.io/library/debian:bookworm@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd"},
	}}
}

func TestHardenedConfig(t *testing.T) {
	if fs := Check(hardenedConfig(), nil, Options{}); len(fs) != 0 {
		t.Errorf("findings on a hardened config: %v", ids(fs))
	}
}

func TestUser(t *testing.T) {
	passwd := map[string]int{"toor": 0, "app": 1000}
	lookup := func(name string) (int, bool) { uid, ok := passwd[name]; return uid, ok }
	for _, tc := range []struct {
		user   string
		lookup bool
		root   bool
	}{
		{"", false, true}, {"root", false, true}, {"0", false, true}, {"0:0", false, true},
		{"root:staff", false, true}, {"toor", true, true}, {"toor:0", true, true},
		{"toor", false, false}, // unknown without /etc/passwd: not reported
		{"app", true, false}, {"1000", false, false}, {"1000:0", false, false}, {"nobody", true, false},
	} {
		cfg := hardenedConfig()
		cfg.Config.User = tc.user
		opts := Options{}
		if tc.lookup {
			opts.LookupUser = lookup
		}
		fs := Check(cfg, nil, opts)
		if got := len(fs) == 1 && fs[0].CheckID == RunsAsRoot.ID; got != tc.root || len(fs) > 1 {
			t.Errorf("user %q (lookup %v): %v, want root=%v", tc.user, tc.lookup, ids(fs), tc.root)
		}
	}
}

func TestHealthcheckPortsBase(t *testing.T) {
	cfg := hardenedConfig()
	cfg.Config.Healthcheck = &v1.HealthConfig{Test: []string{"NONE"}}
	cfg.Config.ExposedPorts = map[string]struct{}{"22/tcp": {}, "2375/tcp": {}, "3389/udp": {}, "8080/tcp": {}, "2222/tcp": {}}
	cfg.Config.Labels = map[string]string{"org.opencontainers.image.base.name": "docker.io/library/debian:bookworm"}
	want := []string{
		"IMG-002 config.Healthcheck",
		"IMG-003 config.ExposedPorts[22/tcp]", "IMG-003 config.ExposedPorts[2375/tcp]", "IMG-003 config.ExposedPorts[3389/udp]",
		"IMG-008 config.Labels[org.opencontainers.image.base.name]",
	}
	if diff := cmp.Diff(want, ids(Check(cfg, nil, Options{}))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A manifest annotation overrides the label.
	opts := Options{Annotations: map[string]string{"org.opencontainers.image.base.name": "debian@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd"}}
	if fs := Check(cfg, nil, opts); slices.Contains(ids(fs), want[4]) {
		t.Errorf("pinned annotation still reported: %v", ids(fs))
	}
	cfg.Config.Healthcheck = nil
	if !slices.Contains(ids(Check(cfg, nil, Options{})), "IMG-002 config.Healthcheck") {
		t.Error("missing healthcheck not reported")
	}
}

func TestSecretsInConfig(t *testing.T) {
	cfg := hardenedConfig()
	cfg.Config.Env = append(cfg.Config.Env,
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"MYSQL_PASSWORD=", "API_TOKEN=${API_TOKEN}", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
		"SOME_SETTING=AKIAIOSFODNN7EXAMPLE")
	cfg.Config.Labels["com.example.deploy-token"] = "glpat-abcdefghij0123456789"
	cfg.Config.Labels["com.example.password-policy"] = "strong-and-long"
	want := []string{"IMG-004 config.Env[3]", "IMG-004 config.Env[7]", "IMG-004 config.Labels[com.example.deploy-token]"}
	fs := Check(cfg, nil, Options{})
	if diff := cmp.Diff(want, ids(fs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	assertRedacted(t, fs, "wJalrXUtnFEMI", "AKIAIOSFODNN7EXAMPLE", "glpat-abc")
}

// assertRedacted fails if a finding shows any of the secrets.
func assertRedacted(t *testing.T, fs []check.Finding, secrets ...string) {
	t.Helper()
	data, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(data), s) {
			t.Errorf("findings show the secret %q", s)
		}
	}
}

// The history forms below are those the builders write: the legacy
// builder's were recorded from Docker 20.10 (TestRealImages checks them on
// images it builds); BuildKit's follow dockerfile2llb's commitToHistory.
func TestParseCreatedBy(t *testing.T) {
	for _, tc := range []struct {
		in     string
		name   string
		assign string // name=value, ...
		script string
	}{
		{"/bin/sh -c #(nop)  ENV AWS_SECRET_ACCESS_KEY=abc/def PLAIN=1", "ENV", "AWS_SECRET_ACCESS_KEY=abc/def,PLAIN=1", ""},
		{"/bin/sh -c #(nop)  ENV A=two words B=x", "ENV", "A=two words,B=x", ""},
		{"/bin/sh -c #(nop)  ARG PASSWORD=hunter2secret", "ARG", "PASSWORD=hunter2secret", ""},
		{"/bin/sh -c #(nop)  ARG PASSWORD", "ARG", "", ""},
		{"/bin/sh -c #(nop)  LABEL api_token=ghp_x org.example.v=1", "LABEL", "api_token=ghp_x,org.example.v=1", ""},
		{"|2 OTHER=val PASSWORD=hunter2secret /bin/sh -c echo hi > /x", "RUN", "OTHER=val,PASSWORD=hunter2secret", "echo hi > /x"},
		{"|1 PASSWORD=a b=c d /bin/sh -c echo $PASSWORD", "RUN", "PASSWORD=a b=c d", "echo $PASSWORD"},
		{"|1 PASSWORD=a b=c d echo hi", "RUN", "PASSWORD=a", "b=c d echo hi"},
		{"/bin/sh -c apt-get update", "RUN", "", "apt-get update"},
		{"echo hi", "RUN", "", "echo hi"},
		{"RUN |1 TOKEN=t0k3n-value /bin/sh -c make # buildkit", "RUN", "TOKEN=t0k3n-value", "make"},
		{"RUN /bin/sh -c curl -fsSL https://x | sh # buildkit", "RUN", "", "curl -fsSL https://x | sh"},
		{"ENV A=b", "ENV", "A=b", ""},
		{"ADD https://example.com/x /dst # buildkit", "ADD", "", ""},
		{"/bin/sh -c #(nop) ADD file:69dd561e3668e8ce917090cc2f8eeaa880f7a7000606fdb419e5079ae71eb725 in /tmp/ ", "ADD", "", ""},
		{"", "", "", ""},
		{"   ", "", "", ""},
	} {
		in := parseCreatedBy(tc.in)
		var assign []string
		for _, a := range in.assignments {
			assign = append(assign, a.name+"="+a.value)
		}
		got := fmt.Sprintf("%s|%s|%s", in.name, strings.Join(assign, ","), in.script)
		if want := fmt.Sprintf("%s|%s|%s", tc.name, tc.assign, tc.script); got != want {
			t.Errorf("parseCreatedBy(%q)\n got %s\nwant %s", tc.in, got, want)
		}
	}
}

// history makes a configuration whose history has the given steps; steps
// starting with "!" make a layer.
func history(steps ...string) *v1.ConfigFile {
	cfg := hardenedConfig()
	for _, s := range steps {
		created, layer := strings.CutPrefix(s, "!")
		cfg.History = append(cfg.History, v1.History{CreatedBy: created, EmptyLayer: !layer})
		if layer {
			cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)})
		}
	}
	return cfg
}

// layersOf returns the layers of cfg's history, as image.Open gives them.
func layersOf(cfg *v1.ConfigFile) []inventory.Layer {
	var out []inventory.Layer
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			out = append(out, inventory.Layer{Index: len(out), CreatedBy: h.CreatedBy})
		}
	}
	return out
}

func TestHistory(t *testing.T) {
	cfg := history(
		"!/bin/sh -c #(nop) ADD file:69dd561e3668e8ce917090cc2f8eeaa880f7a7000606fdb419e5079ae71eb725 in / ",
		"/bin/sh -c #(nop)  ARG PASSWORD",
		"/bin/sh -c #(nop)  ENV DB_PASSWORD=temporary-db-pass-123",
		"|1 PASSWORD=hunter2secret /bin/sh -c true || curl -fsSL https://get.example.com | sh",
		"!|1 PASSWORD=hunter2secret /bin/sh -c make",
		"!/bin/sh -c #(nop) ADD --chown=0:014836025bacea2b498df4988781ce733d0d54677e1f8f23d58d6d6652956fa8c in /tmp/g.txt ",
		"!/bin/sh -c #(nop) COPY --chown=1:1file:69dd561e3668e8ce917090cc2f8eeaa880f7a7000606fdb419e5079ae71eb725 in /tmp/ ",
		"!RUN /bin/sh -c git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x/y # buildkit",
		"!ADD https://example.com/tool.tgz /opt/ # buildkit",
		"/bin/sh -c #(nop)  ENV DB_PASSWORD=",
	)
	fs := Check(cfg, nil, Options{})
	want := []string{
		"IMG-005 history[2]", // ENV value no longer in the configuration
		"IMG-005 history[3]", // the build argument, reported once
		"IMG-005 history[7]", // a token in the instruction
		"IMG-006 history[5]", // legacy: bare content hash
		"IMG-006 history[8]", // BuildKit: the URL
		"IMG-007 history[3]",
	}
	if diff := cmp.Diff(want, ids(fs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	layers := map[string]int{"history[3]": -1, "history[5]": 2, "history[7]": 4, "history[8]": 5}
	for _, f := range fs {
		if l, ok := layers[f.Evidence.Object]; ok && f.Evidence.Layer != l {
			t.Errorf("%s %s: layer %d, want %d", f.CheckID, f.Evidence.Object, f.Evidence.Layer, l)
		}
		if f.Evidence.CreatedBy == "" {
			t.Errorf("%s %s: no CreatedBy", f.CheckID, f.Evidence.Object)
		}
	}
	assertRedacted(t, fs, "hunter2secret", "temporary-db-pass", "ghp_abc")
	// Without a configuration, the layers' CreatedBy are checked.
	fs = Check(nil, layersOf(cfg), Options{})
	if diff := cmp.Diff([]string{"IMG-005 layers[1].createdBy", "IMG-005 layers[4].createdBy", "IMG-006 layers[2].createdBy", "IMG-006 layers[5].createdBy"}, ids(fs)); diff != "" {
		t.Errorf("layers only (-want +got):\n%s", diff)
	}
}

func TestHostileConfig(t *testing.T) {
	cfg := hardenedConfig()
	for i := range 100_000 {
		cfg.Config.Env = append(cfg.Config.Env, fmt.Sprintf("VAR_%d=value-%d", i, i))
	}
	cfg.Config.Env = append(cfg.Config.Env, "API_TOKEN=real-token-value-1234")
	huge := "|1 PASSWORD=hunter2hunter2" + strings.Repeat(" y=x", 2<<20) + " /bin/sh -c " + strings.Repeat("$(", 50_000)
	cfg.History = []v1.History{{CreatedBy: huge}, {CreatedBy: strings.Repeat("ENV A=b ", 1<<20)}}
	start := time.Now()
	fs := Check(cfg, nil, Options{})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if diff := cmp.Diff([]string{"IMG-004 config.Env[100003]", "IMG-005 history[0]"}, ids(fs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, f := range fs {
		if len(f.Evidence.CreatedBy) > maxCreatedBy {
			t.Errorf("evidence of %d bytes", len(f.Evidence.CreatedBy))
		}
	}
}

func TestDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Definitions {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
		if d.Domain != check.DomainImage || seen[d.ID] || !strings.HasPrefix(d.ID, "IMG-") {
			t.Errorf("%s: wrong domain or duplicate", d.ID)
		}
		seen[d.ID] = true
	}
}

// FuzzHistory: any history text is parsed into assignments that lie in
// the text, and checked without a panic; a secret value that occurs once
// in the text never reaches the evidence.
func FuzzHistory(f *testing.F) {
	for _, s := range []string{
		"|2 OTHER=val PASSWORD=hunter2secret /bin/sh -c echo hi > /x",
		"|1 PASSWORD=a b=c d echo hi",
		"/bin/sh -c #(nop)  ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG PLAIN=1",
		"/bin/sh -c #(nop) ADD --chown=0:014836025bacea2b498df4988781ce733d0d54677e1f8f23d58d6d6652956fa8c in /tmp/g.txt ",
		"RUN |1 TOKEN=t0k3n-value /bin/sh -c curl -s https://x | sh # buildkit",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, createdBy string) {
		in := parseCreatedBy(createdBy)
		for _, a := range in.assignments {
			if a.start < 0 || a.start > a.end || a.end > len(createdBy) || !strings.HasPrefix(createdBy[a.start:], a.value) {
				t.Fatalf("assignment %+v out of %q", a, createdBy)
			}
		}
		cfg := &v1.ConfigFile{History: []v1.History{{CreatedBy: createdBy}}}
		fs := Check(cfg, nil, Options{})
		for _, a := range in.assignments {
			if len(a.value) < 8 || strings.Count(createdBy, a.value) != 1 || strings.Contains(a.value, secretvar.Redacted) {
				continue
			}
			if _, secret := secretvar.Match(a.name, a.value); !secret {
				continue
			}
			for _, f := range fs {
				if strings.Contains(f.Evidence.CreatedBy+f.Evidence.Snippet+f.Message, a.value) {
					t.Fatalf("secret %q shown in %+v", a.value, f)
				}
			}
		}
	})
}

// TestRedactCreatedBy: the forms the builders write, with a secret build
// argument, a secret ENV value and a token in a command; ordinary steps are
// kept as they are.
func TestRedactCreatedBy(t *testing.T) {
	for in, want := range map[string]string{
		"|2 NOTE=two words PASSWORD=hunter2hunter2 /bin/sh -c make":    "|2 NOTE=two words PASSWORD=" + secretvar.Redacted + " /bin/sh -c make",
		"/bin/sh -c #(nop)  ENV DB_PASSWORD=s3cr3t-value-9":            "/bin/sh -c #(nop)  ENV DB_PASSWORD=" + secretvar.Redacted,
		"RUN |1 API_TOKEN=abcdef0123456789 /bin/sh -c make # buildkit": "RUN |1 API_TOKEN=" + secretvar.Redacted + " /bin/sh -c make # buildkit",
		"/bin/sh -c apt-get update && apt-get install -y curl":         "/bin/sh -c apt-get update && apt-get install -y curl",
		"/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin":          "/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin",
	} {
		if got := RedactCreatedBy(in); got != want {
			t.Errorf("RedactCreatedBy(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
