package kubernetes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	k8sjson "sigs.k8s.io/json"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/vigil-dev/vigil/check"
)

// pssControls maps each directory of testdata/pss to the check of its
// control and the profile that defines it.
var pssControls = map[string]struct {
	def     *check.Definition
	profile Profile
}{
	"host-process":            {&defHostProcess, Baseline},
	"host-namespaces":         {&defHostNamespaces, Baseline},
	"privileged":              {&defPrivileged, Baseline},
	"capabilities-baseline":   {&defCapabilitiesBaseline, Baseline},
	"hostpath-volumes":        {&defHostPathVolumes, Baseline},
	"host-ports":              {&defHostPorts, Baseline},
	"host-probes":             {&defHostProbes, Baseline},
	"apparmor":                {&defAppArmor, Baseline},
	"selinux":                 {&defSELinux, Baseline},
	"proc-mount":              {&defProcMount, Baseline},
	"seccomp-baseline":        {&defSeccompBaseline, Baseline},
	"sysctls":                 {&defSysctls, Baseline},
	"volume-types":            {&defVolumeTypes, Restricted},
	"privilege-escalation":    {&defPrivilegeEscalation, Restricted},
	"run-as-non-root":         {&defRunAsNonRoot, Restricted},
	"run-as-user":             {&defRunAsUser, Restricted},
	"seccomp-restricted":      {&defSeccompRestricted, Restricted},
	"capabilities-restricted": {&defCapabilitiesRestricted, Restricted},
}

// TestPSSControls checks every documented allowed and disallowed case of
// every control: a disallowed manifest yields findings of its control and
// nothing else, an allowed one yields no finding at all (the manifests are
// otherwise fully hardened, so every other check stays quiet too).
func TestPSSControls(t *testing.T) {
	dirs, err := os.ReadDir("testdata/pss")
	if err != nil {
		t.Fatal(err)
	}
	var allowed, disallowed int
	for _, d := range dirs {
		ctl, ok := pssControls[d.Name()]
		if !ok {
			t.Errorf("testdata/pss/%s: no control mapped", d.Name())
			continue
		}
		files, _ := filepath.Glob(filepath.Join("testdata/pss", d.Name(), "*.yaml"))
		var seenAllowed, seenDisallowed bool
		for _, file := range files {
			findings := checkFile(t, file, Options{Profile: ctl.profile})
			switch base := filepath.Base(file); {
			case strings.HasPrefix(base, "allowed"):
				seenAllowed = true
				allowed++
				for _, f := range findings {
					t.Errorf("%s: allowed case has finding %s: %s", file, f.CheckID, f.Message)
				}
			case strings.HasPrefix(base, "disallowed"):
				seenDisallowed = true
				disallowed++
				if len(findings) == 0 {
					t.Errorf("%s: disallowed case has no %s finding", file, ctl.def.ID)
				}
				for _, f := range findings {
					if f.CheckID != ctl.def.ID {
						t.Errorf("%s: want only %s, got %s: %s", file, ctl.def.ID, f.CheckID, f.Message)
					}
				}
			default:
				t.Errorf("%s: name neither allowed* nor disallowed*", file)
			}
			assertEvidenceLines(t, file, findings)
		}
		if !seenAllowed || !seenDisallowed {
			t.Errorf("testdata/pss/%s: want allowed and disallowed cases", d.Name())
		}
	}
	if len(dirs) != len(pssControls) {
		t.Errorf("%d control directories, want %d", len(dirs), len(pssControls))
	}
	t.Logf("%d controls, %d allowed and %d disallowed cases", len(dirs), allowed, disallowed)
}

// TestPSSOracle compares, object by object and control by control, the
// verdicts of this package with those of Pod Security Admission itself
// (k8s.io/pod-security-admission at its latest policy version) on every
// manifest under testdata, under both profiles.
func TestPSSOracle(t *testing.T) {
	var files []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") && !strings.Contains(path, "hostile") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var compared int
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, profile := range []Profile{Baseline, Restricted} {
			compared += comparePSA(t, file, data, profile)
		}
	}
	if compared < 200 {
		t.Errorf("compared %d pods, want the whole testdata", compared)
	}
	t.Logf("%d pod specs agree with Pod Security Admission", compared)
}

// comparePSA checks that the PSS checks of data under profile agree with
// Pod Security Admission on every pod spec; it returns how many it compared.
func comparePSA(t *testing.T, name string, data []byte, profile Profile) int {
	t.Helper()
	findings, err := Check(name, bytes.NewReader(data), Options{Profile: profile})
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return 0
	}
	pods, err := oraclePods(data)
	if err != nil {
		t.Errorf("%s: oracle: %v", name, err)
		return 0
	}
	for _, m := range psaMismatches(findings, pods, profile) {
		t.Errorf("%s: %s", name, m)
	}
	return len(pods)
}

// psaMismatches lists the objects on which the findings and Pod Security
// Admission disagree.
func psaMismatches(findings []check.Finding, pods map[string]oraclePod, profile Profile) []string {
	got := map[string][]string{} // object -> PSS check IDs
	for _, f := range findings {
		if id := f.CheckID; isPSS(id) && !slices.Contains(got[objectOf(f)], id) {
			got[objectOf(f)] = append(got[objectOf(f)], id)
		}
	}
	var mismatches []string
	for obj, pod := range pods {
		want := psaVerdicts(profile, &pod.meta, &pod.spec)
		slices.Sort(got[obj])
		if !slices.Equal(got[obj], want) {
			mismatches = append(mismatches, fmt.Sprintf("%s (%s): checks %v, Pod Security Admission %v", obj, profile, got[obj], want))
		}
	}
	for obj := range got {
		if _, ok := pods[obj]; !ok {
			mismatches = append(mismatches, "findings for "+obj+", which the oracle did not see")
		}
	}
	return mismatches
}

func isPSS(id string) bool { return id >= "K8S-001" && id <= "K8S-018" }

func objectOf(f check.Finding) string {
	obj, _, _ := strings.Cut(f.Evidence.Object, " ")
	return obj
}

type oraclePod struct {
	meta metav1.ObjectMeta
	spec corev1.PodSpec
}

// oraclePods decodes the pod templates of data independently of the code
// under test: documents split by apimachinery's YAMLReader, objects decoded
// as the API server does, pod templates found by their documented paths.
func oraclePods(data []byte) (map[string]oraclePod, error) {
	pods := map[string]oraclePod{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return pods, nil
		}
		if err != nil {
			return nil, err
		}
		js, err := k8syaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		if err := addOraclePods(js, pods, true); err != nil {
			return nil, err
		}
	}
}

// workload is the shape shared by the pod-carrying kinds.
type workload struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		corev1.PodSpec
		Template    *corev1.PodTemplateSpec `json:"template"`
		JobTemplate *struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		} `json:"jobTemplate"`
	} `json:"spec"`
}

func addOraclePods(js []byte, pods map[string]oraclePod, listAllowed bool) error {
	var tm struct {
		metav1.TypeMeta `json:",inline"`
		Items           []jsonRaw `json:"items"`
	}
	if err := k8sjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return err
	}
	if tm.Kind == "List" && listAllowed {
		for _, item := range tm.Items {
			if err := addOraclePods(item, pods, false); err != nil {
				return err
			}
		}
		return nil
	}
	var w workload
	var pod oraclePod
	switch g := group(tm.APIVersion) + "/" + tm.Kind; g {
	case "/Pod", "/ReplicationController", "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet",
		"extensions/Deployment", "extensions/DaemonSet", "extensions/ReplicaSet", "batch/Job", "batch/CronJob":
		if err := k8sjson.UnmarshalCaseSensitivePreserveInts(js, &w); err != nil {
			return err
		}
		switch {
		case g == "/Pod":
			pod = oraclePod{w.ObjectMeta, w.Spec.PodSpec}
		case g == "batch/CronJob" && w.Spec.JobTemplate != nil:
			pod = oraclePod{w.Spec.JobTemplate.Spec.Template.ObjectMeta, w.Spec.JobTemplate.Spec.Template.Spec}
		case g != "batch/CronJob" && w.Spec.Template != nil:
			pod = oraclePod{w.Spec.Template.ObjectMeta, w.Spec.Template.Spec}
		default:
			return nil
		}
	default:
		return nil
	}
	name := objectName(tm.Kind, &w.ObjectMeta)
	if _, dup := pods[name]; dup {
		return fmt.Errorf("two objects named %s", name)
	}
	pods[name] = pod
	return nil
}

// psaChecks maps Pod Security Admission's check IDs to this package's.
var psaChecks = map[policy.CheckID]string{
	"windowsHostProcess": "K8S-001", "hostNamespaces": "K8S-002", "privileged": "K8S-003",
	"capabilities_baseline": "K8S-004", "hostPathVolumes": "K8S-005", "hostPorts": "K8S-006",
	"hostProbesAndHostLifecycle": "K8S-007", "appArmorProfile": "K8S-008", "seLinuxOptions": "K8S-009",
	"procMount": "K8S-010", "procMount_restricted": "K8S-010", "seccompProfile_baseline": "K8S-011",
	"sysctls": "K8S-012", "restrictedVolumes": "K8S-013", "allowPrivilegeEscalation": "K8S-014",
	"runAsNonRoot": "K8S-015", "runAsUser": "K8S-016", "seccompProfile_restricted": "K8S-017",
	"capabilities_restricted": "K8S-018",
}

// psaVerdicts returns the IDs of the controls that Pod Security Admission
// forbids for the pod under profile, at its latest policy version, with the
// Restricted checks overriding the Baseline ones they replace.
func psaVerdicts(profile Profile, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []string {
	spec = spec.DeepCopy()
	for i := range spec.Volumes { // the API server's defaulting, which admission sees
		if spec.Volumes[i].VolumeSource == (corev1.VolumeSource{}) {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	latest := psaapi.LatestVersion()
	versioned := func(c policy.Check) *policy.VersionedCheck {
		var v *policy.VersionedCheck
		for i := range c.Versions {
			if !latest.Older(c.Versions[i].MinimumVersion) {
				v = &c.Versions[i]
			}
		}
		return v
	}
	overridden := map[policy.CheckID]bool{}
	for _, c := range policy.DefaultChecks() {
		if v := versioned(c); v != nil && c.Level == psaapi.LevelRestricted && profile == Restricted {
			for _, id := range v.OverrideCheckIDs {
				overridden[id] = true
			}
		}
	}
	var ids []string
	for _, c := range policy.DefaultChecks() {
		v := versioned(c)
		if v == nil || overridden[c.ID] || (c.Level == psaapi.LevelRestricted && profile == Baseline) {
			continue
		}
		if res := v.CheckPod(meta, spec); !res.Allowed {
			id, ok := psaChecks[c.ID]
			if !ok {
				panic("unmapped Pod Security Admission check " + c.ID)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestPSAChecksMapped fails when Pod Security Admission gains a check that
// this package does not implement.
func TestPSAChecksMapped(t *testing.T) {
	for _, c := range policy.DefaultChecks() {
		if _, ok := psaChecks[c.ID]; !ok {
			t.Errorf("Pod Security Admission check %q has no counterpart", c.ID)
		}
	}
}

func checkFile(t *testing.T, file string, opts Options) []check.Finding {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	findings, err := Check(file, f, opts)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return findings
}

// assertEvidenceLines checks that every finding whose snippet is a "key:
// value" points at a line of the file that holds that key.
func assertEvidenceLines(t *testing.T, file string, findings []check.Finding) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, f := range findings {
		if f.Evidence.File != file || f.Evidence.Layer != -1 || f.Evidence.Line < 1 || f.Evidence.Line > len(lines) {
			t.Errorf("%s: %s: bad evidence %+v", file, f.CheckID, f.Evidence)
			continue
		}
		key, _, ok := strings.Cut(f.Evidence.Snippet, ": ")
		if !ok || strings.ContainsAny(key, " =") {
			continue
		}
		if line := lines[f.Evidence.Line-1]; !strings.Contains(line, key+":") {
			t.Errorf("%s:%d: %s evidence line %q does not hold %q", file, f.Evidence.Line, f.CheckID, line, key)
		}
	}
}
