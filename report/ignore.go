package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
	"go.yaml.in/yaml/v3"
)

// Limits of the ignore file: it is written by hand and holds tens of
// entries.
const (
	MaxIgnoreSize    = 1 << 20
	maxIgnoreEntries = 10_000
)

// ErrTooLarge is wrapped by the errors for an ignore file or VEX document
// over its size limit.
var ErrTooLarge = errors.New("input too large")

// LoadIgnore reads the ignore file at path (YAML or JSON; see the package
// documentation).
func LoadIgnore(path string) ([]Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read ignore file: %w", err)
	}
	defer f.Close()
	return ParseIgnore(f, path)
}

// ParseIgnore reads an ignore file from r; source names it in the rules
// and in errors.
func ParseIgnore(r io.Reader, source string) ([]Rule, error) {
	data, err := readLimited(r, MaxIgnoreSize)
	if err != nil {
		return nil, fmt.Errorf("ignore file %s: %w", source, err)
	}
	rules, err := parseIgnore(data, source)
	if err != nil {
		return nil, fmt.Errorf("ignore file %s: %w", source, err)
	}
	return rules, nil
}

// readLimited reads all of r, failing with ErrTooLarge past max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// parseIgnore walks the YAML node tree rather than decoding into structs:
// the tree is built without expanding aliases, so a file that uses any
// (a "billion laughs" bomb, or anything else: an ignore file never needs
// them) is refused before it can cost anything, and each error names the
// line of the entry at fault.
func parseIgnore(data []byte, source string) ([]Rule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if err := refuseAliases(&doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 { // empty file
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping with an \"ignore\" list", root.Line)
	}
	var entries *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "ignore" {
			return nil, fmt.Errorf("line %d: unknown field %q (want \"ignore\")", k.Line, k.Value)
		}
		entries = v
	}
	if entries == nil || entries.Tag == "!!null" {
		return nil, nil
	}
	if entries.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: \"ignore\" must be a list", entries.Line)
	}
	if len(entries.Content) > maxIgnoreEntries {
		return nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, maxIgnoreEntries)
	}
	rules := make([]Rule, 0, len(entries.Content))
	for _, e := range entries.Content {
		rule, err := ignoreEntry(e, source)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", e.Line, err)
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// refuseAliases fails on the first anchor or alias in the tree.
func refuseAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fmt.Errorf("line %d: anchors and aliases are not allowed", n.Line)
	}
	for _, c := range n.Content {
		if err := refuseAliases(c); err != nil {
			return err
		}
	}
	return nil
}

// checkIDPattern is the form of check ids (check.Definition.ID).
var checkIDPattern = regexp.MustCompile(`^(?i)(OS|IMG|DF|K8S|SEC)-[0-9]{3}$`)

// ignoreEntry reads one entry: id or check (one of them is required),
// package (with id), path (with check), reason (required) and expires.
func ignoreEntry(e *yaml.Node, source string) (Rule, error) {
	if e.Kind != yaml.MappingNode {
		return Rule{}, errors.New("an entry must be a mapping with id or check, reason and optionally package, path and expires")
	}
	rule := Rule{Kind: KindIgnore, Status: StatusIgnored, Source: source}
	var expires string
	for i := 0; i+1 < len(e.Content); i += 2 {
		k, v := e.Content[i], e.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return Rule{}, fmt.Errorf("%q must be a single value", k.Value)
		}
		value := strings.TrimSpace(v.Value)
		switch k.Value {
		case "id":
			rule.ID = value
		case "package":
			rule.Package = value
		case "check":
			rule.CheckID = strings.ToUpper(value)
		case "path":
			rule.Path = value
		case "reason":
			rule.Reason = value
		case "expires":
			expires = value
		default:
			return Rule{}, fmt.Errorf("unknown field %q (want id, package, check, path, reason or expires)", k.Value)
		}
	}
	name := rule.ID
	switch {
	case rule.ID == "" && rule.CheckID == "":
		return Rule{}, errors.New("an entry needs an id (advisory id or alias) or a check (check id)")
	case rule.ID != "" && rule.CheckID != "":
		return Rule{}, fmt.Errorf("the entry for %s names a check too: give each its own entry", rule.ID)
	case rule.ID != "" && rule.Path != "":
		return Rule{}, fmt.Errorf("the entry for %s: path applies to checks; use package for advisories", rule.ID)
	case rule.CheckID != "":
		name = rule.CheckID
		if !checkIDPattern.MatchString(rule.CheckID) {
			return Rule{}, fmt.Errorf("check %q is not a check id (OS-, IMG-, DF-, K8S- or SEC- and three digits; see vigil checks list)", rule.CheckID)
		}
		if rule.Package != "" {
			return Rule{}, fmt.Errorf("the entry for %s: package applies to advisories; use path for checks", name)
		}
		if _, err := path.Match(rule.Path, ""); err != nil {
			return Rule{}, fmt.Errorf("the entry for %s: path %q: %w", name, rule.Path, err)
		}
		if rule.Path != "" && trimRoot(rule.Path) == "" {
			return Rule{}, fmt.Errorf("the entry for %s: path %q names no file (leave it out to waive the check everywhere)", name, rule.Path)
		}
	}
	if rule.Reason == "" {
		return Rule{}, fmt.Errorf("the entry for %s needs a reason", name)
	}
	if strings.HasPrefix(rule.Package, "pkg:") {
		if _, err := packageurl.FromString(rule.Package); err != nil {
			return Rule{}, fmt.Errorf("the entry for %s: invalid package URL: %w", name, err)
		}
		rule.Products = []Product{{PURL: rule.Package}}
		rule.Package = ""
	}
	if expires != "" {
		t, err := parseExpiry(expires)
		if err != nil {
			return Rule{}, fmt.Errorf("the entry for %s: %w", name, err)
		}
		rule.Expires = &t
	}
	return rule, nil
}

// parseExpiry reads a date (the rule applies until the start of that day,
// UTC) or an RFC 3339 time.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expires %q is neither a date (2006-01-02) nor an RFC 3339 time", s)
	}
	return t.UTC(), nil
}
