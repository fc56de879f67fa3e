// Package debianoval turns Debian's OVAL definitions
// (https://www.debian.org/security/oval/, oval-definitions-<release>.xml)
// into OSV records, one per CVE and source package, shaped like the OSV
// conversions of the same file: id "DEBIAN-OVAL-<CVE>-<package>", the CVE in
// aliases, ecosystem "Debian:<release>", the SOURCE package, and one
// ECOSYSTEM range: introduced "0" and, when Debian has fixed it, fixed
// "<version>" taken from the dpkginfo state "less than" evr (epoch 0
// dropped). Debian writes "less than 0:0" for a package that is still
// vulnerable; such a record has no fixed event.
//
// The file is decoded as a stream with encoding/xml: one <definition> (or
// test, object, state) at a time, never the whole document. Because OVAL
// puts the tests, objects and states that a definition refers to after all
// definitions, the definitions are kept in a compact form (CVE, text, test
// references) until the end of the file; every retained byte and every
// decoded element is counted against fixed limits, so a hostile file fails
// with an error instead of exhausting memory. DSA "patch" definitions, which
// repeat the CVE definitions per advisory, are skipped.
package debianoval

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Limits on hostile input. The real bookworm file (51 MB) has elements of a
// few kilobytes and retains about 15 MB.
const (
	// maxElementBytes bounds the input read for one element decoded at
	// once (a definition, test, object or state) or for one token.
	maxElementBytes = 4 << 20
	// maxRetainedBytes bounds what is kept until the references resolve.
	maxRetainedBytes = 256 << 20
	// maxDepth bounds element nesting outside decoded elements.
	maxDepth = 32
	// maxCriteria bounds the criteria and criterion elements of one
	// definition.
	maxCriteria = 1024
)

// Errors returned for input that breaks a limit.
var (
	ErrElementTooLarge = errors.New("debianoval: element larger than 4 MiB")
	ErrTooLarge        = errors.New("debianoval: definitions retain more than 256 MiB")
	ErrTooDeep         = errors.New("debianoval: elements nested too deeply")
	ErrNotOVAL         = errors.New("debianoval: not an OVAL definitions document")
)

// Stats counts what Read saw and produced.
type Stats struct {
	Definitions int // <definition> elements read
	Records     int // OSV records emitted
	Unfixed     int // emitted records without a fixed version ("less than 0:0")
	Skipped     int // definitions that gave no record: DSA patch definitions, no CVE, no dpkg test
}

// Read decodes a Debian OVAL document from r and calls emit with each OSV
// record, in the order of the definitions. It stops at the first error from
// the input, from emit, or from ctx.
func Read(ctx context.Context, r io.Reader, emit func(*osv.Vulnerability) error) (Stats, error) {
	p := &parser{
		budget:  &budgetReader{r: r, max: maxElementBytes},
		tests:   map[string]test{},
		objects: map[string]string{},
		states:  map[string]string{},
	}
	if err := p.parse(ctx); err != nil {
		return p.stats, err
	}
	p.dbSpecific = databaseSpecific(p.generated)
	return p.stats, p.emitAll(ctx, emit)
}

// budgetReader fails once more than max bytes are read since the last reset:
// encoding/xml buffers a whole token or element, so this bounds its memory.
type budgetReader struct {
	r      io.Reader
	n, max int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n >= b.max {
		return 0, ErrElementTooLarge
	}
	if int64(len(p)) > b.max-b.n {
		p = p[:b.max-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *budgetReader) reset() { b.n = 0 }

type parser struct {
	budget   *budgetReader
	retained int
	stats    Stats

	generated  time.Time
	dbSpecific json.RawMessage
	defs       []definition
	tests      map[string]test   // dpkginfo test id -> object and state ids
	objects    map[string]string // dpkginfo object id -> package name
	states     map[string]string // dpkginfo state id -> "less than" evr
}

// definition is the part of an OVAL definition kept until the end.
type definition struct {
	cve, details, platform string
	testRefs               []string
}

type test struct{ object, state string }

func (p *parser) parse(ctx context.Context) error {
	dec := xml.NewDecoder(p.budget)
	var stack []string
	seenRoot := false
	for {
		p.budget.reset()
		tok, err := dec.Token()
		if err == io.EOF {
			if !seenRoot {
				return fmt.Errorf("%w: no root element", ErrNotOVAL)
			}
			if len(stack) != 0 {
				return fmt.Errorf("debianoval: %w", io.ErrUnexpectedEOF)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("debianoval: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			} else if seenRoot || t.Name.Local != "oval_definitions" {
				return fmt.Errorf("%w: root element <%s>", ErrNotOVAL, t.Name.Local)
			}
			seenRoot = true
			handled, err := p.element(ctx, dec, parent, &t)
			if err != nil {
				return err
			}
			if !handled {
				if len(stack) == maxDepth {
					return ErrTooDeep
				}
				stack = append(stack, t.Name.Local)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

// element decodes the elements Read needs whole and reports whether it did.
func (p *parser) element(ctx context.Context, dec *xml.Decoder, parent string, start *xml.StartElement) (bool, error) {
	name := start.Name.Local
	var err error
	switch {
	case parent == "oval_definitions" && name == "generator":
		err = p.generator(dec, start)
	case parent == "definitions" && name == "definition":
		if err = ctx.Err(); err == nil {
			err = p.definition(dec, start)
		}
	case parent == "tests" && name == "dpkginfo_test":
		err = p.test(dec, start)
	case parent == "objects" && name == "dpkginfo_object":
		err = p.object(dec, start)
	case parent == "states" && name == "dpkginfo_state":
		err = p.state(dec, start)
	default:
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("debianoval: %s: %w", name, err)
	}
	return true, nil
}

func (p *parser) generator(dec *xml.Decoder, start *xml.StartElement) error {
	var g struct {
		Timestamp string `xml:"timestamp"`
	}
	if err := dec.DecodeElement(&g, start); err != nil {
		return err
	}
	if g.Timestamp == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(g.Timestamp))
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	p.generated = t
	return nil
}

// xmlDefinition is the shape of an OVAL <definition>.
type xmlDefinition struct {
	Class      string `xml:"class,attr"`
	Title      string `xml:"metadata>title"`
	Platform   string `xml:"metadata>affected>platform"`
	References []struct {
		Source string `xml:"source,attr"`
		RefID  string `xml:"ref_id,attr"`
	} `xml:"metadata>reference"`
	Description string       `xml:"metadata>description"`
	Criteria    *xmlCriteria `xml:"criteria"`
}

type xmlCriteria struct {
	Criteria  []xmlCriteria `xml:"criteria"`
	Criterion []struct {
		TestRef string `xml:"test_ref,attr"`
	} `xml:"criterion"`
}

func (p *parser) definition(dec *xml.Decoder, start *xml.StartElement) error {
	var x xmlDefinition
	if err := dec.DecodeElement(&x, start); err != nil {
		return err
	}
	p.stats.Definitions++
	cve := definitionCVE(&x)
	if x.Class != "vulnerability" || cve == "" || x.Criteria == nil {
		p.stats.Skipped++
		return nil
	}
	d := definition{cve: cve, details: strings.TrimSpace(x.Description), platform: strings.TrimSpace(x.Platform)}
	budget := maxCriteria
	if err := collectTestRefs(x.Criteria, &d.testRefs, &budget); err != nil {
		return err
	}
	size := len(d.cve) + len(d.details) + len(d.platform)
	for _, ref := range d.testRefs {
		size += len(ref)
	}
	if err := p.retain(size); err != nil {
		return err
	}
	p.defs = append(p.defs, d)
	return nil
}

// definitionCVE is the CVE a vulnerability definition is about: its CVE
// reference, which Debian also puts first in the title.
func definitionCVE(x *xmlDefinition) string {
	var cves []string
	for _, r := range x.References {
		if r.Source == "CVE" && r.RefID != "" {
			cves = append(cves, r.RefID)
		}
	}
	if len(cves) != 1 {
		return ""
	}
	return cves[0]
}

func collectTestRefs(c *xmlCriteria, refs *[]string, budget *int) error {
	*budget -= 1 + len(c.Criterion)
	if *budget < 0 {
		return fmt.Errorf("more than %d criteria", maxCriteria)
	}
	for _, crit := range c.Criterion {
		*refs = append(*refs, crit.TestRef)
	}
	for i := range c.Criteria {
		if err := collectTestRefs(&c.Criteria[i], refs, budget); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) test(dec *xml.Decoder, start *xml.StartElement) error {
	var x struct {
		ID     string `xml:"id,attr"`
		Object struct {
			Ref string `xml:"object_ref,attr"`
		} `xml:"object"`
		State struct {
			Ref string `xml:"state_ref,attr"`
		} `xml:"state"`
	}
	if err := dec.DecodeElement(&x, start); err != nil {
		return err
	}
	if err := p.retain(len(x.ID) + len(x.Object.Ref) + len(x.State.Ref)); err != nil {
		return err
	}
	p.tests[x.ID] = test{object: x.Object.Ref, state: x.State.Ref}
	return nil
}

func (p *parser) object(dec *xml.Decoder, start *xml.StartElement) error {
	var x struct {
		ID   string `xml:"id,attr"`
		Name string `xml:"name"`
	}
	if err := dec.DecodeElement(&x, start); err != nil {
		return err
	}
	if err := p.retain(len(x.ID) + len(x.Name)); err != nil {
		return err
	}
	p.objects[x.ID] = strings.TrimSpace(x.Name)
	return nil
}

func (p *parser) state(dec *xml.Decoder, start *xml.StartElement) error {
	var x struct {
		ID  string `xml:"id,attr"`
		EVR struct {
			Operation string `xml:"operation,attr"`
			Value     string `xml:",chardata"`
		} `xml:"evr"`
	}
	if err := dec.DecodeElement(&x, start); err != nil {
		return err
	}
	if x.EVR.Operation != "less than" {
		return nil
	}
	if err := p.retain(len(x.ID) + len(x.EVR.Value)); err != nil {
		return err
	}
	p.states[x.ID] = strings.TrimSpace(x.EVR.Value)
	return nil
}

func (p *parser) retain(n int) error {
	p.retained += n + 64 // map and slice overhead
	if p.retained > maxRetainedBytes {
		return ErrTooLarge
	}
	return nil
}

// emitAll resolves each definition's dpkg tests and emits its records.
func (p *parser) emitAll(ctx context.Context, emit func(*osv.Vulnerability) error) error {
	for i := range p.defs {
		if err := ctx.Err(); err != nil {
			return err
		}
		vulns := p.records(&p.defs[i])
		if len(vulns) == 0 {
			p.stats.Skipped++
		}
		for _, v := range vulns {
			if err := emit(v); err != nil {
				return err
			}
			p.stats.Records++
			if len(v.Affected[0].Ranges[0].Events) == 1 {
				p.stats.Unfixed++
			}
		}
		p.defs[i] = definition{} // release the text once emitted
	}
	return nil
}

// records builds one record per source package that the definition's dpkg
// tests name.
func (p *parser) records(d *definition) []*osv.Vulnerability {
	ecosystem, ok := ecosystemOf(d.platform)
	if !ok {
		return nil
	}
	var out []*osv.Vulnerability
	for _, ref := range d.testRefs {
		t, ok := p.tests[ref]
		if !ok {
			continue // the release and architecture tests
		}
		pkg, okObj := p.objects[t.object]
		evr, okState := p.states[t.state]
		if !okObj || !okState || pkg == "" {
			continue
		}
		out = append(out, p.record(d, ecosystem, pkg, evr))
	}
	return out
}

func (p *parser) record(d *definition, ecosystem, pkg, evr string) *osv.Vulnerability {
	events := []osv.Event{{Introduced: "0"}}
	if fixed := fixedVersion(evr); fixed != "" {
		events = append(events, osv.Event{Fixed: fixed})
	}
	return &osv.Vulnerability{
		SchemaVersion: "1.6.0",
		ID:            "DEBIAN-OVAL-" + d.cve + "-" + pkg,
		Modified:      p.generated,
		Aliases:       []string{d.cve},
		Details:       d.details,
		Affected: []osv.Affected{{
			Package: osv.Package{Ecosystem: ecosystem, Name: pkg},
			Ranges:  []osv.Range{{Type: osv.RangeEcosystem, Events: events}},
		}},
		DatabaseSpecific: p.dbSpecific,
	}
}

// databaseSpecific is the database_specific object of every record: the
// same as in the OSV conversions of this file.
func databaseSpecific(generated time.Time) json.RawMessage {
	ds := struct {
		Source    string `json:"source"`
		Generated string `json:"generated,omitempty"`
	}{Source: "Debian OVAL (derived)"}
	if !generated.IsZero() {
		ds.Generated = generated.Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(ds) // two strings: never fails
	return b
}

// ecosystemOf maps the OVAL platform "Debian GNU/Linux 12" to "Debian:12".
func ecosystemOf(platform string) (string, bool) {
	release, ok := strings.CutPrefix(platform, "Debian GNU/Linux ")
	if !ok || release == "" || strings.ContainsAny(release, " :") {
		return "", false
	}
	return "Debian:" + release, true
}

// fixedVersion turns a "less than" evr into the OSV fixed version: "" for
// Debian's "0:0" (not fixed yet), else the version without a zero epoch.
func fixedVersion(evr string) string {
	if evr == "0:0" || evr == "0" || evr == "" {
		return ""
	}
	return strings.TrimPrefix(evr, "0:")
}
