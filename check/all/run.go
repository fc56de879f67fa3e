package all

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile"
	"github.com/vigil-dev/vigil/check/hardening"
	"github.com/vigil-dev/vigil/check/imageconfig"
	"github.com/vigil-dev/vigil/check/kubernetes"
	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
	"github.com/vigil-dev/vigil/scan"
)

// Scanners that `vigil scan image --scanners` selects besides "vuln".
const (
	ScannerConfig = "config" // image configuration, history and OS hardening
	ScannerSecret = "secret" // secrets in every layer
)

// Image runs the checks of an image while it is scanned: its analyzers go
// into scan.Options.Analyzers, and Findings holds the results afterwards.
type Image struct {
	// Config is the image configuration (nil for a directory).
	Config *v1.ConfigFile
	// Scanners selects ScannerConfig and/or ScannerSecret.
	Scanners map[string]bool
	// Secret configures the secret scanner (limits, allow-list).
	Secret secret.Options
	// Hardening configures the OS hardening checks (password guessing
	// budget, word list).
	Hardening hardening.Options
	// Findings are set by the scan.
	Findings []check.Finding
}

// Analyzers returns the scan analyzers of the selected checks.
func (img *Image) Analyzers() []scan.Analyzer {
	var out []scan.Analyzer
	if img.Scanners[ScannerConfig] {
		out = append(out, &configAnalyzer{img: img})
	}
	if img.Scanners[ScannerSecret] {
		out = append(out, &secretAnalyzer{img: img})
	}
	return out
}

// secretAnalyzer scans every version of every text file in every layer
// for secrets: its filter keeps only redacted matches as layers stream.
type secretAnalyzer struct{ img *Image }

func (*secretAnalyzer) Name() string       { return "secret scanner" }
func (*secretAnalyzer) Patterns() []string { return secret.Patterns }
func (a *secretAnalyzer) Filters() []layerfs.Filter {
	return []layerfs.Filter{secret.Filter(a.img.Secret)}
}

func (a *secretAnalyzer) Analyze(_ context.Context, fsys *layerfs.FS, inv *inventory.Inventory) error {
	a.img.Findings = append(a.img.Findings, secret.Check(fsys, inv.Layers, a.img.Secret)...)
	return nil
}

// configAnalyzer runs the OS hardening checks and the image configuration
// checks, resolving USER names through the image's own /etc/passwd.
type configAnalyzer struct{ img *Image }

func (*configAnalyzer) Name() string { return "configuration checks" }
func (*configAnalyzer) Patterns() []string {
	return append([]string{"etc/passwd"}, hardening.Patterns...)
}

func (a *configAnalyzer) Analyze(ctx context.Context, fsys *layerfs.FS, inv *inventory.Inventory) error {
	opts := a.img.Hardening
	opts.Warn = func(w inventory.Warning) { inv.Warnings = append(inv.Warnings, w) }
	found, err := hardening.Check(ctx, fsys, inv, opts)
	if err != nil {
		return err
	}
	a.img.Findings = append(a.img.Findings, found...)
	if a.img.Config == nil {
		return nil // a directory has no configuration
	}
	passwd, _, err := fsys.ReadFile("etc/passwd")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("/etc/passwd: %w", err)
	}
	uids := passwdUIDs(passwd)
	cfgOpts := imageconfig.Options{LookupUser: func(name string) (int, bool) {
		uid, ok := uids[name]
		return uid, ok
	}}
	a.img.Findings = append(a.img.Findings, imageconfig.Check(a.img.Config, inv.Layers, cfgOpts)...)
	return nil
}

// passwdUIDs maps user names to UIDs from an /etc/passwd file (name:pw:uid:...).
func passwdUIDs(data []byte) map[string]int {
	uids := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 4)
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if uid, err := strconv.Atoi(f[2]); err == nil {
			if _, dup := uids[f[0]]; !dup {
				uids[f[0]] = uid
			}
		}
	}
	return uids
}

// MaxConfigFiles bounds the files CheckPath reads in a directory tree.
const MaxConfigFiles = 10000

// CheckPath runs the Dockerfile and Kubernetes manifest checks on a file,
// or on every such file under a directory: files named Dockerfile,
// Containerfile, *.Dockerfile or Dockerfile.*, and *.yaml and *.yml. Problems with one file are
// returned as warnings; the error is for a path that cannot be read at all.
func CheckPath(ctx context.Context, path string) (findings []check.Finding, warnings []string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	var files []string
	if !fi.IsDir() {
		files = []string{path}
	} else {
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				warnings = append(warnings, err.Error())
				return nil
			}
			if d.IsDir() && p != path && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && kindOf(d.Name()) != "" {
				if len(files) >= MaxConfigFiles {
					return fmt.Errorf("more than %d configuration files under %s", MaxConfigFiles, path)
				}
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, warnings, err
		}
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, warnings, err
		}
		fs, err := checkFile(f, !fi.IsDir())
		if err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		findings = append(findings, fs...)
	}
	check.Sort(findings)
	return findings, warnings, nil
}

// kindOf tells what a file name says the file is: "dockerfile",
// "manifest" (YAML, checked as Kubernetes manifests: other YAML holds no
// object of a kind the checks read and gives nothing) or "".
func kindOf(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		return "manifest"
	case lower == "dockerfile", lower == "containerfile",
		strings.HasSuffix(lower, ".dockerfile"), strings.HasPrefix(lower, "dockerfile."),
		strings.HasSuffix(lower, ".containerfile"):
		if !strings.HasSuffix(lower, ".dockerignore") {
			return "dockerfile"
		}
	}
	return ""
}

// checkFile checks one file; named is set when the user named the file, so
// a Dockerfile with an unusual name is still read as one.
func checkFile(name string, named bool) ([]check.Finding, error) {
	kind := kindOf(filepath.Base(name))
	if kind == "" && named {
		kind = "dockerfile"
	}
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	switch kind {
	case "dockerfile":
		return dockerfile.Check(name, fh, dockerfile.Options{ContextDir: filepath.Dir(name)})
	case "manifest":
		return kubernetes.Check(name, fh, kubernetes.Options{})
	}
	return nil, nil
}
