package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/vigil-dev/vigil/check/all"
)

// checksCommand is `vigil checks list`.
func checksCommand() *command {
	c := &command{
		name:    "checks",
		summary: "list the best-practice, misconfiguration and secret checks",
		usage:   "list [--format table|json|markdown] [--domain DOMAIN]",
		example: "vigil checks list --domain dockerfile",
	}
	c.run = func(_ context.Context, e *env, args []string) error {
		if len(args) == 0 || args[0] != "list" {
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
				args = []string{"list", "--help"}
			} else {
				return usageError("want 'vigil checks list'")
			}
		}
		fs := newFlagSet(e, c)
		format := fs.String("format", "table", "output format: table, json or markdown (docs/checks.md)")
		domain := fs.String("domain", "", "only the checks of this domain: os, image, secret, dockerfile, kubernetes")
		pos, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usageError("list takes no arguments")
		}
		defs := all.Definitions()
		if *domain != "" {
			kept := defs[:0]
			for _, d := range defs {
				if d.Domain == *domain {
					kept = append(kept, d)
				}
			}
			if len(kept) == 0 {
				return usageError("no checks in domain %q", *domain)
			}
			defs = kept
		}
		switch *format {
		case "table":
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tDOMAIN\tTITLE")
			for _, d := range defs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID, d.Severity, d.Domain, d.Title)
			}
			tw.Flush()
			fmt.Fprintf(e.stdout, "%d checks; 'vigil checks list --format json' gives descriptions, remediations and references\n", len(defs))
			return nil
		case "json":
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(defs)
		case "markdown":
			if *domain != "" {
				return usageError("--format markdown lists every check (it is docs/checks.md)")
			}
			return all.Markdown(e.stdout)
		}
		return usageError("unknown format %q (want table, json or markdown)", *format)
	}
	return c
}
