package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
)

// MaxVEXSize bounds a VEX document. Real ones are kilobytes; a vendor's
// document for a whole distribution may reach megabytes.
const MaxVEXSize = 32 << 20

// LoadVEX reads the VEX document at path, OpenVEX or CycloneDX VEX (told
// apart by their content), and returns its statements as rules.
func LoadVEX(path string) ([]Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read VEX document: %w", err)
	}
	defer f.Close()
	return ParseVEX(f, path)
}

// ParseVEX reads a VEX document from r; source names it in the rules and
// in errors.
func ParseVEX(r io.Reader, source string) ([]Rule, error) {
	data, err := readLimited(r, MaxVEXSize)
	if err != nil {
		return nil, fmt.Errorf("VEX document %s: %w", source, err)
	}
	var head struct {
		Context   json.RawMessage `json:"@context"`
		BOMFormat string          `json:"bomFormat"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("VEX document %s: %w", source, err)
	}
	var rules []Rule
	var context string
	switch {
	case json.Unmarshal(head.Context, &context) == nil && strings.HasPrefix(context, "https://openvex.dev/ns"):
		rules, err = parseOpenVEX(data, source)
	case head.BOMFormat == "CycloneDX":
		rules, err = parseCycloneDXVEX(data, source)
	default:
		err = errors.New("neither OpenVEX (@context https://openvex.dev/ns) nor CycloneDX (bomFormat CycloneDX)")
	}
	if err != nil {
		return nil, fmt.Errorf("VEX document %s: %w", source, err)
	}
	return rules, nil
}

// OpenVEX, versions 0.0.1 to 0.2.0: vulnerabilities, products and
// subcomponents may be plain strings (0.0.1) or objects (0.2.0).

type openVEXDoc struct {
	Timestamp  *time.Time         `json:"timestamp"`
	Statements []openVEXStatement `json:"statements"`
}

type openVEXStatement struct {
	Vulnerability   openVEXVulnerability `json:"vulnerability"`
	Timestamp       *time.Time           `json:"timestamp"`
	Products        []openVEXComponent   `json:"products"`
	Subcomponents   []openVEXComponent   `json:"subcomponents"` // 0.0.1
	Status          string               `json:"status"`
	Justification   string               `json:"justification"`
	ImpactStatement string               `json:"impact_statement"`
	StatusNotes     string               `json:"status_notes"`
}

type openVEXVulnerability struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
}

func (v *openVEXVulnerability) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &v.Name)
	}
	type plain openVEXVulnerability
	return json.Unmarshal(data, (*plain)(v))
}

type openVEXComponent struct {
	ID            string             `json:"@id"`
	Identifiers   map[string]string  `json:"identifiers"`
	Subcomponents []openVEXComponent `json:"subcomponents"`
}

func (c *openVEXComponent) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &c.ID)
	}
	type plain openVEXComponent
	return json.Unmarshal(data, (*plain)(c))
}

// purl is the component's package URL: identifiers.purl, else an @id that
// is one.
func (c openVEXComponent) purl() string {
	if p := c.Identifiers["purl"]; p != "" {
		return p
	}
	if strings.HasPrefix(c.ID, "pkg:") {
		return c.ID
	}
	return ""
}

var openVEXStatuses = map[string]bool{"not_affected": true, "affected": true, "fixed": true, "under_investigation": true}

func parseOpenVEX(data []byte, source string) ([]Rule, error) {
	var doc openVEXDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	rules := make([]Rule, 0, len(doc.Statements))
	for i, s := range doc.Statements {
		if err := checkOpenVEX(s); err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		rule := Rule{
			Kind:          KindVEX,
			ID:            s.Vulnerability.Name,
			Aliases:       s.Vulnerability.Aliases,
			Status:        s.Status,
			Justification: s.Justification,
			Reason:        cmp.Or(s.ImpactStatement, s.StatusNotes),
			Source:        source,
		}
		if t := firstTime(s.Timestamp, doc.Timestamp); t != nil {
			rule.Timestamp = *t
		}
		for _, p := range s.Products {
			rule.Products = append(rule.Products, openVEXProducts(p, s.Subcomponents)...)
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

func checkOpenVEX(s openVEXStatement) error {
	if strings.TrimSpace(s.Vulnerability.Name) == "" {
		return errors.New("no vulnerability name")
	}
	if !openVEXStatuses[s.Status] {
		return fmt.Errorf("unknown status %q", s.Status)
	}
	if s.Status == StatusNotAffected && s.Justification == "" && s.ImpactStatement == "" {
		return errors.New("not_affected without a justification or impact_statement")
	}
	return nil
}

// openVEXProducts turns a product into what rules match: the product's own
// purl; or, when it has subcomponents, their purls, inside the image the
// product names when it is an OCI purl with a digest (the scanned image
// must have that digest) or anywhere otherwise. An OCI product without
// subcomponents is the image itself: the statement then covers each of
// its packages.
func openVEXProducts(p openVEXComponent, stmtSubs []openVEXComponent) []Product {
	subs := slices.Concat(p.Subcomponents, stmtSubs)
	image, isImage := ociDigest(p.purl())
	if len(subs) == 0 {
		if isImage {
			return []Product{{Image: image}}
		}
		if purl := p.purl(); purl != "" {
			return []Product{{PURL: purl}}
		}
		return nil
	}
	var out []Product
	for _, s := range subs {
		if purl := s.purl(); purl != "" {
			out = append(out, Product{PURL: purl, Image: image})
		}
	}
	return out
}

// ociDigest returns the digest of a pkg:oci purl (its version), and
// whether the purl is an OCI one.
func ociDigest(purl string) (string, bool) {
	p, err := packageurl.FromString(purl)
	if err != nil || p.Type != packageurl.TypeOCI {
		return "", false
	}
	return p.Version, true
}

func parseCycloneDXVEX(data []byte, source string) ([]Rule, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, err
	}
	if bom.Vulnerabilities == nil {
		return nil, nil
	}
	purls := map[string]string{}
	if bom.Components != nil {
		collectPURLs(*bom.Components, purls)
	}
	var docTime string
	if bom.Metadata != nil {
		docTime = bom.Metadata.Timestamp
	}
	var rules []Rule
	for _, v := range *bom.Vulnerabilities {
		if v.Analysis == nil || v.Analysis.State == "" {
			continue // no statement about exploitability
		}
		if v.ID == "" {
			return nil, errors.New("a vulnerability with an analysis has no id")
		}
		rule := Rule{
			Kind:          KindVEX,
			ID:            v.ID,
			Status:        string(v.Analysis.State),
			Justification: string(v.Analysis.Justification),
			Reason:        v.Analysis.Detail,
			Source:        source,
		}
		if v.References != nil {
			for _, ref := range *v.References {
				rule.Aliases = append(rule.Aliases, ref.ID)
			}
		}
		if t, err := time.Parse(time.RFC3339, cmp.Or(v.Analysis.LastUpdated, v.Analysis.FirstIssued, v.Updated, v.Published, docTime)); err == nil {
			rule.Timestamp = t
		}
		if v.Affects != nil {
			for _, a := range *v.Affects {
				if purl := resolveRef(a.Ref, purls); purl != "" {
					rule.Products = append(rule.Products, Product{PURL: purl})
				}
			}
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// collectPURLs maps the bom-refs of components at every level to their
// purls.
func collectPURLs(cs []cdx.Component, out map[string]string) {
	for _, c := range cs {
		if c.BOMRef != "" && c.PackageURL != "" {
			out[c.BOMRef] = c.PackageURL
		}
		if c.Components != nil {
			collectPURLs(*c.Components, out)
		}
	}
}

// resolveRef resolves an affects ref to a purl: a bom-ref of this document,
// the bom-ref part of a BOM-Link ("urn:cdx:serial/version#bom-ref", which
// points into the SBOM the VEX is about), or a ref that is itself a purl,
// as vigil's and other tools' bom-refs are.
func resolveRef(ref string, purls map[string]string) string {
	if strings.HasPrefix(ref, "urn:cdx:") {
		_, frag, ok := strings.Cut(ref, "#")
		if !ok {
			return ""
		}
		if unescaped, err := url.PathUnescape(frag); err == nil {
			frag = unescaped
		}
		ref = frag
	}
	if p, ok := purls[ref]; ok {
		return p
	}
	if strings.HasPrefix(ref, "pkg:") {
		return ref
	}
	return ""
}

func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}
