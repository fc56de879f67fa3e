package spdx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/docid"
	"github.com/vigil-dev/vigil/sbom/internal/license"
)

// NamespacePrefix starts the documentNamespace of every document vigil
// writes.
const NamespacePrefix = "https://vigil.dev/spdxdocs/"

// SPDX identifiers of the image and OS packages, without "SPDXRef-".
const (
	imageID = "Image"
	osID    = "OperatingSystem"
)

// Values of primaryPackagePurpose, as the SPDX 2.3 JSON schema spells them.
const (
	PurposeContainer       = "CONTAINER"
	PurposeOperatingSystem = "OPERATING_SYSTEM"
)

const noAssertion = "NOASSERTION"

// Options controls encoding. The zero value is ready to use.
type Options struct {
	// Now returns the creation time; time.Now when nil.
	Now func() time.Time
}

// Encode writes inv to w as SPDX 2.3 JSON, indented by two spaces. It does
// not modify inv.
func Encode(w io.Writer, inv *inventory.Inventory, opts Options) error {
	doc, err := build(inv, opts)
	if err != nil {
		return err
	}
	if err := spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("failed to write SPDX: %w", err)
	}
	return nil
}

func build(inv *inventory.Inventory, opts Options) (*v2_3.Document, error) {
	if inv == nil {
		return nil, errors.New("spdx: nil inventory")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	created := now().UTC().Truncate(time.Second)

	sorted := inventory.Inventory{Packages: slices.Clone(inv.Packages)}
	sorted.Sort()

	name := inv.Source.Name
	if name == "" {
		name = inv.Source.Ref
	}
	if name == "" {
		name = "unknown"
	}
	toolName := inv.Tool.Name
	if toolName == "" {
		toolName = "vigil"
	}
	creator := toolName
	if inv.Tool.Version != "" {
		creator += "-" + inv.Tool.Version
	}

	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: Namespace(name, docid.UUID("spdx-json", inv, created)),
		CreationInfo: &v2_3.CreationInfo{
			LicenseListVersion: license.ListVersion(),
			Creators:           []common.Creator{{CreatorType: "Tool", Creator: creator}},
			Created:            created.Format(time.RFC3339),
		},
	}

	version := inv.Source.ManifestDigest
	if version == "" {
		version = inv.Source.ConfigDigest
	}
	doc.Packages = append(doc.Packages, &v2_3.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   imageID,
		PackageVersion:          version,
		PackageSupplier:         &common.Supplier{Supplier: noAssertion},
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   PurposeContainer,
	})
	doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
		RefA:         common.MakeDocElementID("", "DOCUMENT"),
		RefB:         common.MakeDocElementID("", imageID),
		Relationship: common.TypeRelationshipDescribe,
	})
	contains := func(id common.ElementID) {
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:         common.MakeDocElementID("", imageID),
			RefB:         common.MakeDocElementID("", string(id)),
			Relationship: common.TypeRelationshipContains,
		})
	}
	if o := inv.OS; o != nil && o.ID != "" {
		doc.Packages = append(doc.Packages, &v2_3.Package{
			PackageName:             o.ID,
			PackageSPDXIdentifier:   osID,
			PackageVersion:          o.VersionID,
			PackageSupplier:         &common.Supplier{Supplier: noAssertion},
			PackageDownloadLocation: noAssertion,
			PackageDescription:      o.PrettyName,
			PrimaryPackagePurpose:   PurposeOperatingSystem,
		})
		contains(osID)
	}

	ids := map[string]int{}
	refs := licenseRefs{byText: map[string]string{}, used: map[string]bool{}}
	for _, p := range sorted.Packages {
		id := packageID(p, ids)
		sp := &v2_3.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   common.ElementID(id),
			PackageVersion:          p.Version,
			PackageSupplier:         &common.Supplier{Supplier: noAssertion},
			PackageDownloadLocation: noAssertion,
			PackageSourceInfo:       sourceInfo(p, inv.Layers),
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  refs.declared(p.Licenses),
			PackageCopyrightText:    noAssertion,
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*v2_3.PackageExternalReference{{
				Category: common.CategoryPackageManager,
				RefType:  common.TypePackageManagerPURL,
				Locator:  p.PURL,
			}}
		}
		doc.Packages = append(doc.Packages, sp)
		contains(common.ElementID(id))
		if p.Dev {
			doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
				RefA:         common.MakeDocElementID("", id),
				RefB:         common.MakeDocElementID("", imageID),
				Relationship: common.TypeRelationshipDevDependencyOf,
			})
		}
	}
	doc.OtherLicenses = refs.list
	return doc, nil
}

// Namespace returns the documentNamespace of a document named name with
// the given UUID.
func Namespace(name, uuid string) string {
	s := sanitize(name, "._-")
	if len(s) > 100 {
		s = s[:100]
	}
	return NamespacePrefix + s + "-" + uuid
}

// sanitize replaces every byte of s that is not an ASCII letter or digit or
// in keep with "-".
func sanitize(s, keep string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0) {
			b[i] = '-'
		}
	}
	return string(b)
}

// refIDString makes the idstring of a LicenseRef from a license name: "+"
// spelled "plus" (so that "GPL-2+" gives "GPL-2-plus"), other characters
// but letters, digits and "." replaced by "-", runs of "-" collapsed, at
// most 64 bytes.
func refIDString(text string) string {
	s := sanitize(strings.ReplaceAll(text, "+", "-plus-"), ".-")
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	if len(s) > 64 {
		s = s[:64]
	}
	s = strings.Trim(s, "-")
	if s == "" {
		s = "unknown"
	}
	return s
}

// packageID returns a unique SPDX identifier (without "SPDXRef-") for p.
func packageID(p inventory.Package, seen map[string]int) string {
	sum := sha256.Sum256([]byte(p.Key() + "\x00" + p.PURL))
	id := "Package-"
	if p.Type != "" {
		id += sanitize(p.Type, ".-") + "-"
	}
	name := p.Name
	if len(name) > 64 {
		name = name[:64]
	}
	id += sanitize(name, ".-") + "-" + hex.EncodeToString(sum[:8])
	seen[id]++
	if n := seen[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

func sourceInfo(p inventory.Package, layers []inventory.Layer) string {
	var b strings.Builder
	b.WriteString("vigil found this package")
	if len(p.Locations) > 0 {
		b.WriteString(" in " + strings.Join(p.Locations, ", "))
	}
	if p.Layer >= 0 && p.Layer < len(layers) {
		b.WriteString(" in layer " + strconv.Itoa(p.Layer))
		if d := layers[p.Layer].DiffID; d != "" {
			b.WriteString(" (diffID " + d + ")")
		}
	}
	return b.String()
}

// licenseRefs turns license strings into SPDX expressions, defining a
// LicenseRef for each string that is not SPDX.
type licenseRefs struct {
	byText map[string]string // original string -> LicenseRef-...
	used   map[string]bool
	list   []*v2_3.OtherLicense
}

func (r *licenseRefs) declared(licenses []string) string {
	var parts []string
	for _, s := range licenses {
		kind, norm := license.Classify(s)
		if norm == "" {
			continue
		}
		if kind == license.Name {
			norm = r.ref(norm)
		}
		if !slices.Contains(parts, norm) {
			parts = append(parts, norm)
		}
	}
	if len(parts) == 0 {
		return noAssertion
	}
	return license.Join(parts)
}

func (r *licenseRefs) ref(text string) string {
	if id, ok := r.byText[text]; ok {
		return id
	}
	base := "LicenseRef-" + refIDString(text)
	id := base
	for n := 2; r.used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	r.used[id] = true
	r.byText[text] = id
	r.list = append(r.list, &v2_3.OtherLicense{
		LicenseIdentifier: id,
		LicenseName:       text,
		ExtractedText:     text,
	})
	return id
}
