package spdx

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/license"
	"github.com/vigil-dev/vigil/sbom/internal/limit"
	"github.com/vigil-dev/vigil/sbom/internal/purlinfo"
)

// DecodeOptions controls decoding. The zero value is ready to use.
type DecodeOptions struct {
	// MaxBytes is the largest document read; 512 MiB when zero or negative.
	MaxBytes int64
}

// document is the part of an SPDX 2.x JSON document that Decode reads. It
// is not tools-golang's model on purpose: that one fails a whole document
// over one malformed creator or supplier string, and real documents have
// them.
type document struct {
	SPDXVersion  string `json:"spdxVersion"`
	SPDXID       string `json:"SPDXID"`
	Name         string `json:"name"`
	CreationInfo struct {
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	DocumentDescribes []string           `json:"documentDescribes"`
	Packages          []pkg              `json:"packages"`
	Relationships     []rel              `json:"relationships"`
	ExtractedLicenses []extractedLicense `json:"hasExtractedLicensingInfos"`
}

type pkg struct {
	SPDXID           string   `json:"SPDXID"`
	Name             string   `json:"name"`
	VersionInfo      string   `json:"versionInfo"`
	Description      string   `json:"description"`
	LicenseDeclared  string   `json:"licenseDeclared"`
	LicenseConcluded string   `json:"licenseConcluded"`
	PrimaryPurpose   string   `json:"primaryPackagePurpose"`
	ExternalRefs     []extRef `json:"externalRefs"`
}

type extRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type rel struct {
	Element string `json:"spdxElementId"`
	Related string `json:"relatedSpdxElement"`
	Type    string `json:"relationshipType"`
}

type extractedLicense struct {
	ID   string `json:"licenseId"`
	Name string `json:"name"`
	Text string `json:"extractedText"`
}

// Decode reads an SPDX 2.x JSON document and returns the inventory it
// describes. Source.Type and Source.Ref are left for the caller to set.
func Decode(r io.Reader, opts DecodeOptions) (*inventory.Inventory, error) {
	var doc document
	if err := limit.DecodeJSON(r, opts.MaxBytes, &doc); err != nil {
		var tooLarge *limit.TooLargeError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("spdx: %w", err)
		}
		return nil, fmt.Errorf("spdx: not a valid SPDX JSON document: %w", err)
	}
	switch doc.SPDXVersion {
	case "SPDX-2.1", "SPDX-2.2", "SPDX-2.3":
	case "":
		return nil, errors.New("spdx: not an SPDX 2 JSON document (no spdxVersion)")
	default:
		return nil, fmt.Errorf("spdx: unsupported version %q (vigil reads SPDX-2.1, SPDX-2.2 and SPDX-2.3)", doc.SPDXVersion)
	}
	return fromDocument(&doc), nil
}

func fromDocument(doc *document) *inventory.Inventory {
	inv := &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		Tool:          tool(doc.CreationInfo.Creators),
		Layers:        []inventory.Layer{},
		Packages:      []inventory.Package{},
	}
	docID := doc.SPDXID
	if docID == "" {
		docID = "SPDXRef-DOCUMENT"
	}
	described, dev := map[string]bool{}, map[string]bool{}
	for _, id := range doc.DocumentDescribes {
		described[id] = true
	}
	for _, r := range doc.Relationships {
		switch {
		case r.Type == "DESCRIBES" && r.Element == docID:
			described[r.Related] = true
		case r.Type == "DESCRIBED_BY" && r.Related == docID:
			described[r.Element] = true
		case r.Type == "DEV_DEPENDENCY_OF":
			dev[r.Element] = true
		}
	}
	refs := map[string]string{}
	for _, l := range doc.ExtractedLicenses {
		if l.ID == "" {
			continue
		}
		name := l.Name
		if name == "" && len(l.Text) <= 256 && !strings.ContainsAny(l.Text, "\n\r") {
			name = strings.TrimSpace(l.Text)
		}
		if name == "" {
			name = l.ID
		}
		refs[l.ID] = name
	}

	selfSourced := upstreamAlways(inv.Tool.Name)
	var distro string
	for i := range doc.Packages {
		p := &doc.Packages[i]
		purpose := strings.ReplaceAll(p.PrimaryPurpose, "-", "_")
		purl := packageURL(p.ExternalRefs)
		switch {
		case purpose == PurposeOperatingSystem || purpose == "" && strings.HasPrefix(p.SPDXID, "SPDXRef-OperatingSystem"):
			if inv.OS == nil && p.Name != "" {
				inv.OS = &inventory.OS{ID: p.Name, VersionID: p.VersionInfo, PrettyName: p.Description}
			}
			continue
		case described[p.SPDXID] && (purpose == PurposeContainer || purl == ""):
			if inv.Source.Name == "" {
				inv.Source.Name = p.Name
			}
			continue
		case purpose == PurposeContainer, p.Name == "":
			continue
		}
		pkg := inventory.Package{
			Name:     p.Name,
			Version:  p.VersionInfo,
			PURL:     purl,
			Licenses: licenses(p, refs),
			Layer:    -1,
			Dev:      dev[p.SPDXID],
		}
		if info, ok := purlinfo.Parse(purl); ok {
			pkg.Type = info.Type
			pkg.Arch = info.Arch
			pkg.SourceName = info.SourceName
			pkg.SourceVersion = info.SourceVersion
			if distro == "" {
				distro = info.Distro
			}
		}
		if pkg.SourceName == "" && selfSourced && isOSType(pkg.Type) {
			// vigil and Syft leave "upstream" out of the purl of an OS
			// package that is its own source. (Trivy leaves it out always.)
			pkg.SourceName, pkg.SourceVersion = pkg.Name, pkg.Version
		}
		inv.Packages = append(inv.Packages, pkg)
	}
	if inv.Source.Name == "" {
		inv.Source.Name = doc.Name
	}
	if inv.OS == nil && distro != "" {
		if id, version, ok := strings.Cut(distro, "-"); ok && id != "" {
			inv.OS = &inventory.OS{ID: id, VersionID: version}
		}
	}
	inv.Sort()
	return inv
}

// tool reads the first "Tool: name-version" creator.
func tool(creators []string) inventory.Tool {
	for _, c := range creators {
		typ, v, ok := strings.Cut(c, ":")
		if !ok || strings.TrimSpace(typ) != "Tool" {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		// The version starts at the first "-" followed by a digit, or by "v"
		// and a digit ("syft-v1.0.0", "vigil-0.4.0"); else at the last "-"
		// ("trivy-dev").
		for i := 0; i+1 < len(v); i++ {
			if v[i] != '-' {
				continue
			}
			if isDigit(v[i+1]) || v[i+1] == 'v' && i+2 < len(v) && isDigit(v[i+2]) {
				return inventory.Tool{Name: v[:i], Version: v[i+1:]}
			}
		}
		if i := strings.LastIndexByte(v, '-'); i > 0 && i < len(v)-1 {
			return inventory.Tool{Name: v[:i], Version: v[i+1:]}
		}
		return inventory.Tool{Name: v}
	}
	return inventory.Tool{}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func packageURL(refs []extRef) string {
	for _, r := range refs {
		if strings.ReplaceAll(r.Category, "_", "-") == "PACKAGE-MANAGER" && r.Type == "purl" && r.Locator != "" {
			return r.Locator
		}
	}
	return ""
}

func licenses(p *pkg, refs map[string]string) []string {
	expr := p.LicenseDeclared
	if isNone(expr) {
		expr = p.LicenseConcluded
	}
	if isNone(expr) {
		return nil
	}
	parts := license.Split(expr)
	for i, part := range parts {
		if name, ok := refs[part]; ok {
			parts[i] = name
		}
	}
	return parts
}

func isNone(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == "NOASSERTION" || s == "NONE"
}

// upstreamAlways reports whether tool writes the purl qualifier
// "upstream" for every OS package built from another source package, so
// that a purl without it means the package is its own source.
func upstreamAlways(tool string) bool {
	return tool == "vigil" || tool == "syft"
}

// isOSType reports whether packages of this purl type come from a
// distribution whose packages are built from source packages.
func isOSType(t string) bool {
	return t == inventory.TypeDeb || t == inventory.TypeRPM || t == inventory.TypeApk
}
