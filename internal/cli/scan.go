package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/all"
	"github.com/vigil-dev/vigil/internal/version"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/match"
	"github.com/vigil-dev/vigil/report"
	"github.com/vigil-dev/vigil/sbom"
	"github.com/vigil-dev/vigil/scan"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
	"github.com/vigil-dev/vigil/vulndb"
)

// ExitFindings is the default exit code when findings fail the gate set by
// --fail-on (--exit-code changes it).
const ExitFindings = 3

// scanCommand is `vigil scan image|sbom|fs`.
func scanCommand() *command {
	c := &command{
		name:    "scan",
		summary: "find vulnerabilities, misconfigurations and secrets (image, SBOM, directory, config files)",
		usage:   "image|sbom|fs [flags] TARGET",
		example: "vigil scan image docker-archive:app.tar --fail-on high",
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			fmt.Fprint(e.stderr, `Usage: vigil scan <target> [flags] TARGET

Targets:
  image SOURCE   an image (any source 'vigil help' lists: docker-archive:, oci:,
                 oci-archive:, registry:, docker:, or a bare reference)
  sbom FILE      a CycloneDX or SPDX JSON SBOM (from vigil, Syft or Trivy)
  fs DIR         a root file system or a source tree
  config PATH    a Dockerfile, a Kubernetes manifest, or a directory of them

Run 'vigil scan image --help' for the flags.

Examples:
  vigil scan image docker-archive:app.tar
  vigil scan image registry:registry.example/app:1.2 --fail-on high --ignore-unfixed
  vigil scan sbom app.cdx.json --format sarif -o vigil.sarif
  vigil scan fs . --vex app.openvex.json --ignore-file .vigilignore.yaml
  vigil scan config ./deploy --format sarif -o config.sarif
`)
			if len(args) == 0 {
				return usageError("a target is required")
			}
			return flag.ErrHelp
		}
		switch args[0] {
		case "image", "sbom", "fs", "config":
			return runScan(ctx, e, args[0], args[1:])
		}
		return usageError("unknown target %q (want image, sbom, fs or config)", args[0])
	}
	return c
}

// scanFlags are the flags of every scan target.
type scanFlags struct {
	format, output, db  string
	scanners            string
	minSeverity, failOn string
	exitCode            int
	ignoreUnfixed       bool
	ignoreFile          string
	checkConfig         string
	passwordBudget      time.Duration
	vex                 listFlag
	source              *sourceFlags
	noColorOut          bool
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func newScanFlags(e *env, target string) (*flag.FlagSet, *scanFlags) {
	fs := flag.NewFlagSet("scan "+target, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &scanFlags{}
	fs.StringVar(&f.format, "format", "table", "output format: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&f.format, "f", "table", "shorthand for --format")
	fs.StringVar(&f.output, "o", "", "write the report to this file instead of standard output")
	fs.StringVar(&f.output, "output", "", "same as -o")
	fs.StringVar(&f.db, "db", "", "the vulnerability database (default: db/vigil.db in the cache directory)")
	fs.StringVar(&f.minSeverity, "severity", "", "report only findings rated this or more severe (negligible, low, medium, high, critical)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit with --exit-code when a finding that is not suppressed is rated this or more severe")
	fs.IntVar(&f.exitCode, "exit-code", ExitFindings, "the exit code for --fail-on")
	fs.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out findings that have no published fix")
	fs.StringVar(&f.ignoreFile, "ignore-file", "", "YAML or JSON file of findings to ignore, each with a reason and optional expiry")
	fs.StringVar(&f.checkConfig, "check-config", "", "YAML or JSON file that disables checks or changes their severity (disable: [IDs], severity: {ID: level})")
	fs.DurationVar(&f.passwordBudget, "password-budget", 10*time.Second, "time spent guessing the image's passwords against common ones (0 disables guessing)")
	fs.Var(&f.vex, "vex", "OpenVEX or CycloneDX VEX document whose not_affected/fixed statements suppress findings (repeatable)")
	fs.BoolVar(&f.noColorOut, "no-color", false, "no colour in the table, even on a terminal")
	defaultScanners := map[string]string{"image": "vuln,config,secret", "fs": "vuln,config,secret", "sbom": "vuln", "config": "config"}[target]
	if target != "sbom" && target != "config" {
		fs.StringVar(&f.scanners, "scanners", defaultScanners, "what to look for: vuln (vulnerabilities), config (image configuration, OS hardening, Dockerfiles), secret")
	} else {
		f.scanners = defaultScanners
	}
	if target != "sbom" && target != "config" {
		f.source = addSourceFlags(fs)
	} else {
		f.source = &sourceFlags{}
		fs.BoolVar(&f.source.quiet, "quiet", false, "no warnings on standard error")
		fs.BoolVar(&f.source.quiet, "q", false, "shorthand for --quiet")
	}
	example := map[string]string{
		"image":  "vigil scan image docker-archive:app.tar --fail-on high",
		"sbom":   "vigil scan sbom app.cdx.json --format sarif -o vigil.sarif",
		"fs":     "vigil scan fs ./rootfs --ignore-unfixed",
		"config": "vigil scan config ./deploy --fail-on high",
	}[target]
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: vigil scan %s [flags] %s\n\nFlags:\n", target, map[string]string{"image": "SOURCE", "sbom": "FILE", "fs": "DIR", "config": "PATH"}[target])
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nExit codes: 0 no failing finding, %d (or --exit-code) findings fail --fail-on, 1 error, 2 bad usage.\n\nExample:\n  %s\n", ExitFindings, example)
	}
	return fs, f
}

func parseLevel(flagName, s string) (severity.Level, error) {
	if s == "" {
		return severity.Unknown, nil
	}
	l, err := severity.Parse(s)
	if err != nil {
		return 0, usageError("--%s: %v", flagName, err)
	}
	return l, nil
}

func runScan(ctx context.Context, e *env, target string, args []string) error {
	fs, f := newScanFlags(e, target)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("want exactly one target, got %d", len(pos))
	}
	if !slices.Contains(report.Formats(), f.format) {
		return usageError("unknown format %q (want one of %s)", f.format, strings.Join(report.Formats(), ", "))
	}
	minLevel, err := parseLevel("severity", f.minSeverity)
	if err != nil {
		return err
	}
	failOn, err := parseLevel("fail-on", f.failOn)
	if err != nil {
		return err
	}
	var rules []report.Rule
	if f.ignoreFile != "" {
		r, err := report.LoadIgnore(f.ignoreFile)
		if err != nil {
			return err
		}
		rules = append(rules, r...)
	}
	for _, v := range f.vex {
		r, err := report.LoadVEX(v)
		if err != nil {
			return err
		}
		rules = append(rules, r...)
	}
	scanners, err := parseScanners(f.scanners)
	if err != nil {
		return err
	}
	var checkCfg check.Config
	if f.checkConfig != "" {
		if checkCfg, err = all.LoadConfig(f.checkConfig); err != nil {
			return err
		}
	}
	var rep *vuln.Report
	if target == "config" {
		rep, err = scanConfig(ctx, pos[0])
	} else {
		rep, err = scanPackages(ctx, e, target, pos[0], f, scanners)
	}
	if err != nil {
		return err
	}
	rep.Checks = checkCfg.Apply(rep.Checks)
	report.Suppress(rep, time.Now(), rules...)
	rep = report.Filter(rep, minLevel, f.ignoreUnfixed)
	if !f.source.quiet {
		if !rep.Database.Built.IsZero() && time.Since(rep.Database.Built) > vulndb.MaxAge {
			fmt.Fprintf(e.stderr, "warning: the vulnerability database was built %s ago: run 'vigil db update'\n", age(time.Since(rep.Database.Built)))
		}
		printWarnings(e.stderr, rep.Warnings)
	}
	color := f.output == "" && !f.noColorOut && isTerminal(e.stdout) && e.getenv("NO_COLOR") == ""
	if err := writeOutput(e, f.output, func(w io.Writer) error {
		return report.Write(w, rep, f.format, report.Options{Color: color})
	}); err != nil {
		return err
	}
	if f.failOn != "" {
		if n := report.Gate(rep, failOn, f.ignoreUnfixed); n > 0 {
			return &gateFailure{n: n, level: failOn, code: f.exitCode}
		}
	}
	return nil
}

// parseScanners reads --scanners.
func parseScanners(list string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range splitList(list) {
		switch name {
		case "vuln", all.ScannerConfig, all.ScannerSecret:
			out[name] = true
		default:
			return nil, usageError("--scanners: unknown scanner %q (want vuln, config, secret)", name)
		}
	}
	if len(out) == 0 {
		return nil, usageError("--scanners: nothing to scan")
	}
	return out, nil
}

// scanPackages scans an image, a directory or an SBOM: vulnerabilities
// of its packages and, for images and directories, the selected checks.
func scanPackages(ctx context.Context, e *env, target, arg string, f *scanFlags, scanners map[string]bool) (*vuln.Report, error) {
	var db *vulndb.DB
	if scanners["vuln"] {
		path, err := dbPath(e, f.db)
		if err != nil {
			return nil, err
		}
		if db, err = vulndb.Open(path); err != nil {
			return nil, err
		}
		defer db.Close()
	}
	checks := &all.Image{Scanners: scanners}
	checks.Hardening.PasswordBudget = f.passwordBudget
	if f.passwordBudget == 0 {
		checks.Hardening.PasswordBudget = -1 // hardening: negative means no guessing
	}
	inv, cfg, err := scanTarget(ctx, e, target, arg, f.source, func(cfg *v1.ConfigFile) []scan.Analyzer {
		checks.Config = cfg
		return checks.Analyzers()
	})
	if err != nil {
		return nil, err
	}
	var rep *vuln.Report
	if db != nil {
		var opts match.Options
		if cfg != nil {
			opts.History = cfg.History
		}
		if rep, err = match.Match(ctx, inv, db, opts); err != nil {
			return nil, err
		}
	} else {
		rep = &vuln.Report{SchemaVersion: vuln.SchemaVersion, Tool: inv.Tool, Source: inv.Source, OS: inv.OS,
			Layers: inv.Layers, BaseLayers: -1, Findings: []vuln.Finding{}, Warnings: inv.Warnings}
	}
	if target == "fs" && scanners[all.ScannerConfig] {
		found, warnings, err := all.CheckPath(ctx, strings.TrimPrefix(arg, "dir:"))
		if err != nil {
			return nil, err
		}
		checks.Findings = append(checks.Findings, found...)
		for _, w := range warnings {
			rep.Warnings = append(rep.Warnings, inventory.Warning{Layer: -1, Message: w})
		}
	}
	check.Sort(checks.Findings)
	rep.Checks = checks.Findings
	return rep, nil
}

// scanConfig checks Dockerfiles and manifests.
func scanConfig(ctx context.Context, path string) (*vuln.Report, error) {
	found, warnings, err := all.CheckPath(ctx, path)
	if err != nil {
		return nil, err
	}
	rep := &vuln.Report{
		SchemaVersion: vuln.SchemaVersion,
		Tool:          inventory.Tool{Name: "vigil", Version: version.String()},
		Source:        inventory.Source{Type: "config", Name: path},
		BaseLayers:    -1,
		Findings:      []vuln.Finding{},
		Checks:        found,
	}
	for _, w := range warnings {
		rep.Warnings = append(rep.Warnings, inventory.Warning{Layer: -1, Message: w})
	}
	return rep, nil
}

// scanTarget returns the inventory of an image, directory or SBOM, and the
// image configuration when there is one.
func scanTarget(ctx context.Context, e *env, target, arg string, src *sourceFlags, analyzers func(*v1.ConfigFile) []scan.Analyzer) (*inventory.Inventory, *v1.ConfigFile, error) {
	switch target {
	case "sbom":
		fh, err := os.Open(arg)
		if err != nil {
			return nil, nil, err
		}
		defer fh.Close()
		inv, _, err := sbom.Decode(fh, sbom.DecodeOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", arg, err)
		}
		return inv, nil, nil
	case "fs":
		if !strings.HasPrefix(arg, "dir:") {
			arg = "dir:" + arg
		}
	}
	return src.inventoryAndConfig(ctx, e, arg, analyzers)
}

// gateFailure is the error of a scan whose findings fail --fail-on.
type gateFailure struct {
	n     int
	level severity.Level
	code  int
}

func (g *gateFailure) Error() string {
	return fmt.Sprintf("%d finding(s) rated %s or more severe", g.n, g.level)
}
