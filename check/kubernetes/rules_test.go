package kubernetes

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/check"
)

// expectLine is a manifest's statement of what it must yield under the
// Restricted profile: "# expect: nothing" (no finding at all) or
// "# expect: K8S-020=5" (exactly five findings of K8S-020); a check that no
// line names must yield nothing.
var expectLine = regexp.MustCompile(`(?m)^# expect: (nothing|(K8S-\d{3})=(\d+))$`)

// TestManifests checks the manifests for the rules beyond the Pod Security
// Standards (each with a clean counterpart), the hardened deployment and
// the real manifests against what their "# expect:" lines state.
func TestManifests(t *testing.T) {
	var files []string
	for _, dir := range []string{"rules", "hardened", "real"} {
		m, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		files = append(files, m...)
	}
	if len(files) < 14 {
		t.Fatalf("found %d manifests", len(files))
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		expects := expectLine.FindAllStringSubmatch(string(data), -1)
		if len(expects) == 0 {
			t.Errorf("%s: no # expect: line", file)
			continue
		}
		findings := checkFile(t, file, Options{})
		assertEvidenceLines(t, file, findings)
		stated := map[string]bool{}
		for _, e := range expects {
			stated[e[2]] = true
		}
		for _, f := range findings {
			if !stated[f.CheckID] {
				t.Errorf("%s: unexpected %s %s: %s", file, f.CheckID, f.Evidence.Object, f.Message)
			}
		}
		for _, e := range expects {
			if e[1] == "nothing" {
				continue // any finding is unexpected, reported above
			}
			want, _ := strconv.Atoi(e[3])
			if got := count(findings, e[2]); got != want {
				t.Errorf("%s: %d findings of %s, want %d", file, got, e[2], want)
			}
		}
	}
}

func count(findings []check.Finding, id string) int {
	n := 0
	for _, f := range findings {
		if f.CheckID == id {
			n++
		}
	}
	return n
}

// TestEvidence pins the evidence of a few findings: object names, field
// lines, redaction.
func TestEvidence(t *testing.T) {
	findings := checkFile(t, "testdata/rules/finding-env-secret.yaml", Options{})
	data, _ := os.ReadFile("testdata/rules/finding-env-secret.yaml")
	for _, f := range findings {
		if f.Evidence.Object != "CronJob/rules/backup container backup" {
			t.Errorf("object %q", f.Evidence.Object)
		}
		if !strings.HasSuffix(f.Evidence.Snippet, "=<redacted>") {
			t.Errorf("snippet %q not redacted", f.Evidence.Snippet)
		}
		// The line is the value's, and the line before names the variable.
		lines := strings.Split(string(data), "\n")
		name, _, _ := strings.Cut(f.Evidence.Snippet, "=")
		if !strings.Contains(lines[f.Evidence.Line-1], "value:") || !strings.Contains(lines[f.Evidence.Line-2], "name: "+name) {
			t.Errorf("line %d %q is not the value of %s", f.Evidence.Line, lines[f.Evidence.Line-1], name)
		}
		for _, secret := range []string{"hunter2", "ghp_", "wJalr", "sk_test", "0123456789abcdef"} {
			if strings.Contains(f.Message+f.Evidence.Snippet, secret) {
				t.Errorf("secret %q leaked in %q / %q", secret, f.Message, f.Evidence.Snippet)
			}
		}
	}
	findings = checkFile(t, "testdata/rules/finding-rbac.yaml", Options{})
	objects := map[string]bool{}
	for _, f := range findings {
		objects[f.Evidence.Object] = true
	}
	for _, want := range []string{"ClusterRole/too-much", "Role/rules/secret-reader", "ClusterRoleBinding/ci-admin", "RoleBinding/rules/team-admin"} {
		if !objects[want] {
			t.Errorf("no finding for %s in %v", want, objects)
		}
	}
}

// TestProfiles checks the profile option: Privileged runs no Pod Security
// Standards check, Baseline only the Baseline ones, the default is
// Restricted, and an unknown profile is an error.
func TestProfiles(t *testing.T) {
	file := "testdata/pss/run-as-non-root/disallowed-unset.yaml"
	if n := count(checkFile(t, file, Options{}), defRunAsNonRoot.ID); n != 1 {
		t.Errorf("default profile: %d K8S-015 findings, want 1", n)
	}
	for _, p := range []Profile{Baseline, Privileged} {
		if fs := checkFile(t, file, Options{Profile: p}); len(fs) != 0 {
			t.Errorf("%s: %d findings, want none", p, len(fs))
		}
	}
	// Under Restricted a hostPath volume is a Volume Types finding only.
	fs := checkFile(t, "testdata/pss/hostpath-volumes/disallowed-var-log.yaml", Options{Profile: Restricted})
	if len(fs) != 1 || fs[0].CheckID != defVolumeTypes.ID {
		t.Errorf("restricted hostPath: %v", ids(fs))
	}
	// An unmasked /proc in a user namespace: Baseline allows it, Restricted does not.
	fs = checkFile(t, "testdata/pss/proc-mount/allowed-user-namespace.yaml", Options{Profile: Restricted})
	if len(fs) != 1 || fs[0].CheckID != defProcMount.ID {
		t.Errorf("restricted procMount in a user namespace: %v", ids(fs))
	}
	if _, err := Check("x", strings.NewReader(""), Options{Profile: "strict"}); err == nil {
		t.Error("unknown profile accepted")
	}
}

func ids(fs []check.Finding) []string {
	var s []string
	for _, f := range fs {
		s = append(s, f.CheckID)
	}
	return s
}

// TestDefinitions validates every definition and its uniqueness.
func TestDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Definitions {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
		if d.Domain != check.DomainKubernetes || seen[d.ID] {
			t.Errorf("%s: domain %s or duplicate", d.ID, d.Domain)
		}
		seen[d.ID] = true
	}
	for _, c := range pssControls {
		if c.def.References[0].Standard != check.PSS {
			t.Errorf("%s: first reference is not the Pod Security Standards control", c.def.ID)
		}
	}
}
