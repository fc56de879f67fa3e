package dockerfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile/secretvar"
)

func checkFile(t *testing.T, path string) []check.Finding {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fs, err := Check(path, f, Options{ContextDir: filepath.Dir(path)})
	if err != nil {
		t.Fatalf("Check(%s): %v", path, err)
	}
	return fs
}

// wants reads the "# want: ID..." comments of a test Dockerfile: each
// names the checks expected on the next line.
func wants(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if ids, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
			for _, id := range strings.Fields(ids) {
				out = append(out, fmt.Sprintf("%s@%d", id, line+1))
			}
		}
	}
	slices.Sort(out)
	return out
}

func got(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s@%d", f.CheckID, f.Evidence.Line))
	}
	slices.Sort(out)
	return out
}

// TestBad: each bad Dockerfile has one kind of defect, and exactly the
// findings its "# want" comments name, at those lines.
func TestBad(t *testing.T) {
	paths, _ := filepath.Glob("testdata/bad/*.Dockerfile")
	if len(paths) < len(Definitions) {
		t.Fatalf("%d bad Dockerfiles for %d checks", len(paths), len(Definitions))
	}
	covered := map[string]bool{}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			fs := checkFile(t, p)
			want := wants(t, p)
			if len(want) == 0 {
				t.Fatal("no # want comment")
			}
			if diff := cmp.Diff(want, got(fs)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, f := range fs {
				covered[f.CheckID] = true
				if f.Evidence.File != p || f.Evidence.Snippet == "" || f.Message == "" || len(f.References) == 0 {
					t.Errorf("incomplete finding: %+v", f)
				}
			}
		})
	}
	for _, d := range Definitions {
		if !covered[d.ID] {
			t.Errorf("no bad Dockerfile triggers %s", d.ID)
		}
	}
}

// TestGood: the clean counterparts, and a fully hardened Dockerfile, give
// no finding at all.
func TestGood(t *testing.T) {
	paths, _ := filepath.Glob("testdata/good/*.Dockerfile")
	if len(paths) < 8 {
		t.Fatalf("only %d good Dockerfiles", len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			for _, f := range checkFile(t, p) {
				t.Errorf("%s:%d %s: %s (%s)", p, f.Evidence.Line, f.CheckID, f.Message, f.Evidence.Snippet)
			}
		})
	}
}

// TestSecretsRedacted: no secret value of the bad Dockerfiles appears
// anywhere in the findings.
func TestSecretsRedacted(t *testing.T) {
	fs := checkFile(t, "testdata/bad/df008-secrets.Dockerfile")
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		all := fmt.Sprintf("%+v", f)
		for _, secret := range []string{"s3cr3t-registry-pw", "wJalrXUtnFEMI", "ghp_0123", "hunter2"} {
			if strings.Contains(all, secret) {
				t.Errorf("finding shows secret %q: %s", secret, all)
			}
		}
		if !strings.Contains(f.Evidence.Snippet, secretvar.Redacted) && !strings.HasSuffix(f.Evidence.Snippet, "ARG GITHUB_TOKEN") {
			t.Errorf("snippet %q is not redacted", f.Evidence.Snippet)
		}
	}
}

// TestContextDir: COPY . is reported only when no .dockerignore is known.
func TestContextDir(t *testing.T) {
	df := "FROM scratch\nCOPY . /\nUSER 1\nHEALTHCHECK CMD [\"/app\"]\n"
	dir := t.TempDir()
	run := func(ctx string) int {
		fs, err := Check("Dockerfile", strings.NewReader(df), Options{ContextDir: ctx})
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	if n := run(""); n != 1 {
		t.Errorf("unknown context: %d findings, want 1", n)
	}
	if n := run(dir); n != 1 {
		t.Errorf("context without .dockerignore: %d findings, want 1", n)
	}
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte(".git\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := run(dir); n != 0 {
		t.Errorf("context with .dockerignore: %d findings, want 0", n)
	}
}

// TestMalformed: Dockerfiles BuildKit rejects give an *Error with the line.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		contains  string
	}{
		{"empty", "", 0, "no instructions"},
		{"comments only", "# nothing\n\n", 2, "no instructions"},
		{"no FROM", "RUN true\n", 1, "no build stage"},
		{"unknown instruction", "FROM scratch\nFOO bar\n", 2, "unknown instruction"},
		{"unknown flag", "FROM scratch\nCOPY --bogus=1 a b\n", 2, "unknown flag"},
		{"ENV without value", "FROM scratch\nENV\n", 2, "ENV"},
		{"unterminated heredoc", "FROM scratch\nRUN <<EOT\ntrue\n", 2, "unterminated heredoc"},
		{"bad escape directive", "# escape=xx\nFROM scratch\n", 0, "escape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Check("Dockerfile", strings.NewReader(tc.src), Options{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %d findings; want *Error", err, len(fs))
			}
			if e.Line != tc.line || !strings.Contains(err.Error(), tc.contains) || !strings.HasPrefix(err.Error(), "Dockerfile") {
				t.Errorf("error %q (line %d), want line %d containing %q", err, e.Line, tc.line, tc.contains)
			}
		})
	}
}

// TestHostile: huge inputs are refused or handled in bounded time.
func TestHostile(t *testing.T) {
	big := strings.Repeat("RUN echo hello world\n", 10<<20/21+1)
	_, err := Check("big", strings.NewReader("FROM scratch\n"+big), Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("10 MB Dockerfile: %v, want ErrTooLarge", err)
	}
	long := "FROM scratch\nRUN echo " + strings.Repeat("a", 200<<10) + "\n"
	if _, err := Check("long", strings.NewReader(long), Options{}); err == nil || !strings.Contains(err.Error(), "line greater than max") {
		t.Errorf("200 KB line: %v, want the parser's line limit error", err)
	}
	// Within the limits: many continuation lines making one 900 KB RUN, a
	// deeply nested script, and 50,000 instructions.
	cont := "FROM scratch\nRUN true" + strings.Repeat(" \\\n && echo x", 70_000) + "\n"
	nested := "FROM scratch\nRUN " + strings.Repeat("$(", 30_000) + "\n"
	many := "FROM scratch\n" + strings.Repeat("ENV A=b\n", 50_000)
	for name, src := range map[string]string{"continuations": cont, "nesting": nested, "many": many} {
		start := time.Now()
		fs, err := Check(name, strings.NewReader(src), Options{MaxSize: 2 << 20})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v", name, d)
		}
		if len(fs) > 3 { // no USER, no HEALTHCHECK; nothing else
			t.Errorf("%s: %d findings", name, len(fs))
		}
	}
}

func TestDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Definitions {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
		if d.Domain != check.DomainDockerfile || seen[d.ID] || !strings.HasPrefix(d.ID, "DF-") {
			t.Errorf("%s: wrong domain or duplicate", d.ID)
		}
		seen[d.ID] = true
	}
}

// FuzzCheck: any input gives findings or an *Error, never a panic, and
// findings point into the file.
func FuzzCheck(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*.Dockerfile")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		fs, err := Check("Dockerfile", strings.NewReader(src), Options{MaxSize: 64 << 10})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "Dockerfile" {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		lines := strings.Count(src, "\n") + 1
		for _, f := range fs {
			if f.Evidence.File != "Dockerfile" || f.Evidence.Line < 0 || f.Evidence.Line > lines || f.CheckID == "" {
				t.Fatalf("bad evidence %+v", f)
			}
		}
	})
}
