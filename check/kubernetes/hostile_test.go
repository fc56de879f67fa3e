package kubernetes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// billionLaughs returns a document of the given kind whose aliases expand
// to 9^9 nodes.
func billionLaughs(kind string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: %s\nmetadata:\n  name: lol\n  annotations:\n    a0: &a0 lol\n", kind)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("spec:\n  containers: *a9\n")
	return b.String()
}

// bounded runs f and fails if it takes longer than d or allocates more
// than maxAlloc bytes.
func bounded(t *testing.T, d time.Duration, maxAlloc uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if elapsed > d {
		t.Errorf("took %v, want under %v", elapsed, d)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
		t.Errorf("allocated %d MiB, want under %d MiB", alloc>>20, maxAlloc>>20)
	}
}

func wantLimit(t *testing.T, err error, document int) {
	t.Helper()
	var pe *ParseError
	if !errors.Is(err, ErrLimit) || !errors.As(err, &pe) || pe.Document != document {
		t.Fatalf("got %v, want a limit error on document %d", err, document)
	}
}

func TestBillionLaughs(t *testing.T) {
	bounded(t, 5*time.Second, 64<<20, func() {
		_, err := Check("bomb.yaml", strings.NewReader("---\n"+billionLaughs("Pod")), Options{})
		wantLimit(t, err, 1)
		if !strings.Contains(err.Error(), "aliases are expanded") {
			t.Errorf("error %q does not say why", err)
		}
	})
	// A bomb in a kind that is not checked is never expanded.
	bounded(t, 5*time.Second, 64<<20, func() {
		fs, err := Check("bomb.yaml", strings.NewReader(billionLaughs("ConfigMap")), Options{})
		if err != nil || len(fs) != 0 {
			t.Errorf("ConfigMap bomb: %v, %d findings", err, len(fs))
		}
	})
}

// repeat is a reader of n bytes of s repeated, never held in memory whole.
type repeat struct {
	s   string
	n   int64
	off int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && r.off < r.n {
		p[i] = r.s[r.off%int64(len(r.s))]
		i++
		r.off++
	}
	return i, nil
}

func TestHugeManifest(t *testing.T) {
	doc := "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: " + strings.Repeat("x", 20000) + "}\n"
	bounded(t, 20*time.Second, 256<<20, func() {
		_, err := Check("huge.yaml", &repeat{s: doc, n: 50 << 20}, Options{})
		var pe *ParseError
		if !errors.Is(err, ErrLimit) || !errors.As(err, &pe) || pe.Document != 0 {
			t.Fatalf("50 MB: got %v, want a size limit error", err)
		}
	})
	// One 50 MB line.
	bounded(t, 20*time.Second, 256<<20, func() {
		_, err := Check("line.yaml", &repeat{s: "a", n: 50 << 20}, Options{})
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("50 MB line: got %v", err)
		}
	})
}

// deployment is a small workload with a known set of findings.
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d%d
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
      - name: app
        image: nginx:1.27
        securityContext:
          privileged: true
`

func TestManyDocuments(t *testing.T) {
	var b bytes.Buffer
	for i := range DefaultMaxDocuments {
		fmt.Fprintf(&b, "---\n"+deployment, i)
	}
	input := b.Bytes()
	bounded(t, 60*time.Second, 1<<30, func() {
		fs, err := Check("many.yaml", bytes.NewReader(input), Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Per document: privileged, no privilege escalation setting,
		// runAsNonRoot, seccomp, capabilities, limits.
		if want := 6 * DefaultMaxDocuments; len(fs) != want {
			t.Errorf("%d findings, want %d", len(fs), want)
		}
		last := fs[len(fs)-1]
		for _, f := range fs {
			if f.Evidence.Object == fmt.Sprintf("Deployment/d%d container app", DefaultMaxDocuments-1) && f.CheckID == defPrivileged.ID {
				last = f
			}
		}
		if wantLine := (DefaultMaxDocuments-1)*14 + 14; last.Evidence.Line != wantLine {
			t.Errorf("last privileged finding at line %d, want %d", last.Evidence.Line, wantLine)
		}
	})
	input = append(input, "---\nkind: ConfigMap\n"...)
	_, err := Check("many.yaml", bytes.NewReader(input), Options{})
	wantLimit(t, err, DefaultMaxDocuments+1)
}

func TestDeepNesting(t *testing.T) {
	for name, input := range map[string]string{
		"flow":  "apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nspec: {x: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}\n",
		"block": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\nspec:\n" + nestedBlock(300),
	} {
		bounded(t, 5*time.Second, 256<<20, func() {
			_, err := Check(name, strings.NewReader(input), Options{})
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Document != 1 {
				t.Errorf("%s: got %v, want a parse error of document 1", name, err)
			}
		})
	}
}

func nestedBlock(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", 2*(i+1)))
	}
	fmt.Fprintf(&b, "%sv\n", strings.Repeat(" ", 2*(depth+1)))
	return b.String()
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, input  string
		doc, line    int
		errSubstring string
	}{
		{"syntax", "kind: ConfigMap\n---\n# second\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [a\n", 2, 7, "yaml:"},
		{"tab", "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n", 2, 7, "yaml:"},
		{"separator", "kind: Pod\n--- kind: Pod\n", 2, 2, "invalid YAML document separator"},
		{"type", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: maybe\n", 1, 1, "decoding Pod"},
		{"yaml 1.1 bool", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: n}]\n", 1, 1, "decoding RoleBinding"},
	} {
		_, err := Check("bad.yaml", strings.NewReader(tc.input), Options{})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Document != tc.doc || pe.Line != tc.line || !strings.Contains(err.Error(), tc.errSubstring) {
			t.Errorf("%s: got %v (%+v), want document %d line %d %q", tc.name, err, pe, tc.doc, tc.line, tc.errSubstring)
		}
	}
}

func TestSkipped(t *testing.T) {
	for name, input := range map[string]string{
		"empty":        "",
		"comments":     "# nothing\n---\n# more\n",
		"scalar":       "just a string\n",
		"sequence":     "- a\n- b\n",
		"no kind":      "replicaCount: 3\nimage: {repository: nginx}\n",
		"other kind":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {PASSWORD: hunter2}\n",
		"other group":  "apiVersion: example.com/v1\nkind: Deployment\nspec: {template: {spec: {hostNetwork: true}}}\n",
		"list of list": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: Pod, spec: {hostPID: true}}\n",
	} {
		fs, err := Check(name, strings.NewReader(input), Options{})
		if err != nil || len(fs) != 0 {
			t.Errorf("%s: %v, %d findings", name, err, len(fs))
		}
	}
}
