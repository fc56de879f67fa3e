package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/vigil-dev/vigil/vulndb"
	"github.com/vigil-dev/vigil/vulndb/importer"
)

// dbCommand is `vigil db SUBCOMMAND`: the advisory database.
func dbCommand() *command {
	c := &command{
		name:    "db",
		summary: "manage the vulnerability database (update, import, status, export)",
		usage:   "update|import|status|export [flags] [arguments]",
		example: "vigil db update",
	}
	subs := map[string]func(ctx context.Context, e *env, args []string) error{
		"update": dbUpdate, "import": dbImport, "status": dbStatus, "export": dbExport,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			fmt.Fprint(e.stderr, `Usage: vigil db <subcommand> [flags]

Subcommands:
  update   download the OSV exports (--source URL or $VIGIL_DB_SOURCE for a mirror)
  import   build the database from local files: OSV zips, directories or mirror
           trees, 'vigil db export' files, Debian OVAL XML, Alpine secdb JSON
  status   show the sources, record counts and age of the data
  export   write the database as one portable file for another machine

Examples:
  vigil db update
  vigil db update --source http://mirror.example/osv --ecosystems Debian,Go,npm
  vigil db import --merge oval-definitions-bookworm.xml.bz2 alpine-secdb/
  vigil db export vigil-db.zip && vigil db import vigil-db.zip
`)
			if len(args) == 0 {
				return usageError("a subcommand is required")
			}
			return flag.ErrHelp
		}
		run, ok := subs[args[0]]
		if !ok {
			return usageError("unknown subcommand %q (want update, import, status or export)", args[0])
		}
		return run(ctx, e, args[1:])
	}
	return c
}

// dbFlags are the flags every db subcommand takes.
type dbFlags struct {
	path  string
	quiet bool
}

func newDBFlags(e *env, name, usage, example string) (*flag.FlagSet, *dbFlags) {
	fs := flag.NewFlagSet("db "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	d := &dbFlags{}
	fs.StringVar(&d.path, "db", "", "the database file (default: db/vigil.db in the cache directory)")
	fs.BoolVar(&d.quiet, "quiet", false, "no progress display")
	fs.BoolVar(&d.quiet, "q", false, "shorthand for --quiet")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: vigil db %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nExample:\n  %s\n", example)
	}
	return fs, d
}

// dbPath returns the database file: --db, else db/vigil.db under
// $VIGIL_CACHE_DIR or the user cache directory.
func dbPath(e *env, flagPath string) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	dir, err := cacheDir(e)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "db", "vigil.db"), nil
}

func dbUpdate(ctx context.Context, e *env, args []string) error {
	fs, d := newDBFlags(e, "update", "[flags]", "vigil db update --source http://127.0.0.1:8080/osv")
	source := fs.String("source", "", "base URL of the OSV exports or a mirror of them (default $VIGIL_DB_SOURCE, else "+vulndb.DefaultSource+")")
	ecosystems := fs.String("ecosystems", "", "comma-separated OSV ecosystems to fetch (default: "+strings.Join(vulndb.DefaultEcosystems, ",")+")")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("update takes no arguments")
	}
	path, err := dbPath(e, d.path)
	if err != nil {
		return err
	}
	opts := vulndb.UpdateOptions{Path: path, Source: *source}
	if opts.Source == "" {
		opts.Source = e.getenv("VIGIL_DB_SOURCE")
	}
	if *ecosystems != "" {
		opts.Ecosystems = splitList(*ecosystems)
	}
	var bar *updateProgress
	if !d.quiet && isTerminal(e.stderr) {
		bar = &updateProgress{w: e.stderr}
		opts.Progress = bar.update
	}
	start := time.Now()
	res, err := vulndb.Update(ctx, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err // it says the previous database is unchanged
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "updated %s in %.1fs: %d records (%d downloaded, %d not modified, %d missing at the source)\n",
		path, time.Since(start).Seconds(), res.Status.Records, len(res.Downloaded), len(res.NotModified), len(res.Missing))
	return nil
}

func dbImport(ctx context.Context, e *env, args []string) error {
	fs, d := newDBFlags(e, "import", "[flags] PATH...", "vigil db import --merge oval-definitions-bookworm.xml.bz2")
	merge := fs.Bool("merge", false, "keep the records of the existing database from sources not imported again")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError("want at least one PATH")
	}
	path, err := dbPath(e, d.path)
	if err != nil {
		return err
	}
	start := time.Now()
	st, warnings, err := importer.Import(ctx, pos, vulndb.ImportOptions{Path: path, Merge: *merge})
	if err != nil {
		return fmt.Errorf("%w (the previous database, if any, is unchanged)", err)
	}
	if !d.quiet {
		for _, w := range summarizeWarnings(warnings, 10) {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
	}
	fmt.Fprintf(e.stdout, "imported into %s in %.1fs: %d records from %d sources\n", path, time.Since(start).Seconds(), st.Records, len(st.Sources))
	return nil
}

// summarizeWarnings keeps the first n warnings and counts the rest.
func summarizeWarnings(ws []string, n int) []string {
	if len(ws) <= n {
		return ws
	}
	return append(slices.Clone(ws[:n]), fmt.Sprintf("... and %d more records skipped", len(ws)-n))
}

func dbStatus(_ context.Context, e *env, args []string) error {
	fs, d := newDBFlags(e, "status", "[flags]", "vigil db status --format json")
	format := fs.String("format", "table", "output format: table or json")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("status takes no arguments")
	}
	if *format != "table" && *format != "json" {
		return usageError("unknown format %q (want table or json)", *format)
	}
	path, err := dbPath(e, d.path)
	if err != nil {
		return err
	}
	db, err := vulndb.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Status()
	if err != nil {
		return err
	}
	now := time.Now()
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Path  string `json:"path"`
			Stale bool   `json:"stale"`
			vulndb.Status
		}{path, st.Stale(now), st})
	}
	writeStatus(e.stdout, path, st, now)
	if st.Stale(now) {
		fmt.Fprintf(e.stderr, "warning: the database was built %s ago (more than %s): run 'vigil db update'\n",
			age(now.Sub(st.Built)), age(vulndb.MaxAge))
	}
	return nil
}

func writeStatus(w io.Writer, path string, st vulndb.Status, now time.Time) {
	fmt.Fprintf(w, "database:  %s\nbuilt:     %s (%s ago)\nrecords:   %d (%d withdrawn)\n",
		path, st.Built.UTC().Format(time.RFC3339), age(now.Sub(st.Built)), st.Records, st.Withdrawn)
	if !st.Newest.IsZero() {
		fmt.Fprintf(w, "newest:    %s (the most recently modified record)\n", st.Newest.UTC().Format(time.RFC3339))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSOURCE\tRECORDS\tSKIPPED\tFETCHED\tFROM")
	for _, s := range st.Sources {
		fetched := "-"
		if !s.Fetched.IsZero() {
			fetched = s.Fetched.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", s.Name, s.Records, s.Skipped, fetched, s.URL)
	}
	tw.Flush()
	ecos := make([]string, 0, len(st.Ecosystems))
	for eco := range st.Ecosystems {
		ecos = append(ecos, eco)
	}
	slices.Sort(ecos)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nECOSYSTEM\tRECORDS")
	for _, eco := range ecos {
		fmt.Fprintf(tw, "%s\t%d\n", eco, st.Ecosystems[eco])
	}
	tw.Flush()
}

// age prints a duration in days or hours.
func age(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return fmt.Sprintf("%d hours", int(d.Hours()))
}

func dbExport(_ context.Context, e *env, args []string) error {
	fs, d := newDBFlags(e, "export", "[flags] FILE", "vigil db export vigil-db.zip")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("want exactly one FILE")
	}
	path, err := dbPath(e, d.path)
	if err != nil {
		return err
	}
	db, err := vulndb.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := writeOutput(e, pos[0], func(w io.Writer) error { return vulndb.Export(db, w) }); err != nil {
		return err
	}
	if pos[0] != "-" {
		if fi, err := os.Stat(pos[0]); err == nil {
			fmt.Fprintf(e.stderr, "exported %s to %s (%s); import it elsewhere with 'vigil db import %s'\n", path, pos[0], mib(fi.Size()), filepath.Base(pos[0]))
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// updateProgress draws one line per ecosystem state on a terminal:
//
//	Debian  download  12.4 MiB / 40.1 MiB
type updateProgress struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
}

func (p *updateProgress) update(pr vulndb.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr.Phase == "download" && time.Since(p.last) < 100*time.Millisecond && pr.Done != pr.Total {
		return
	}
	p.last = time.Now()
	size := mib(pr.Done)
	if pr.Total > 0 {
		size += " / " + mib(pr.Total)
	}
	if pr.Phase != "download" {
		size = ""
	}
	fmt.Fprintf(p.w, "\r\033[K%-12s %-13s %s", pr.Ecosystem, pr.Phase, size)
}

func (p *updateProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
}
