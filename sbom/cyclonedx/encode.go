package cyclonedx

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/docid"
	"github.com/vigil-dev/vigil/sbom/internal/license"
)

// Property names; see the package documentation.
const (
	PropPackageType          = "vigil:package:type"
	PropPackageSourceName    = "vigil:package:sourceName"
	PropPackageSourceVersion = "vigil:package:sourceVersion"
	PropPackageArch          = "vigil:package:arch"
	PropPackageEcosystem     = "vigil:package:ecosystem"
	PropPackageDev           = "vigil:package:dev"
	PropLayerIndex           = "vigil:layer:index"
	PropLayerDiffID          = "vigil:layer:diffID"
	PropLayerCreatedBy       = "vigil:layer:createdBy"
	PropLocationPath         = "vigil:location:path"

	PropSourceType          = "vigil:source:type"
	PropSourceRef           = "vigil:source:ref"
	PropImageManifestDigest = "vigil:image:manifestDigest"
	PropImageConfigDigest   = "vigil:image:configDigest"
	PropImagePlatform       = "vigil:image:platform"
	// PropImageLayerPrefix starts the layer properties of the image:
	// "vigil:image:layer:N:field".
	PropImageLayerPrefix = "vigil:image:layer:"

	PropOSName       = "vigil:os:name"
	PropOSVersion    = "vigil:os:version"
	PropOSCodename   = "vigil:os:codename"
	PropOSIDLike     = "vigil:os:idLike"
	PropOSDistroless = "vigil:os:distroless"
)

// SchemaURL is the $schema of the documents Encode writes.
const SchemaURL = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// bom-refs of the image and OS components.
const (
	imageRef = "image"
	osRefPre = "os:"
)

// Options controls encoding. The zero value is ready to use.
type Options struct {
	// Now returns the document's timestamp; time.Now when nil.
	Now func() time.Time
}

// Encode writes inv to w as CycloneDX 1.6 JSON, indented by two spaces. It
// does not modify inv.
func Encode(w io.Writer, inv *inventory.Inventory, opts Options) error {
	bom, err := build(inv, opts)
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("failed to write CycloneDX: %w", err)
	}
	return nil
}

func build(inv *inventory.Inventory, opts Options) (*cdx.BOM, error) {
	if inv == nil {
		return nil, errors.New("cyclonedx: nil inventory")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ts := now().UTC().Truncate(time.Second)

	sorted := inventory.Inventory{Packages: slices.Clone(inv.Packages)}
	sorted.Sort()
	pkgs := sorted.Packages

	toolName := inv.Tool.Name
	if toolName == "" {
		toolName = "vigil"
	}
	image := imageComponent(inv)
	components := make([]cdx.Component, 0, len(pkgs)+1)
	dependsOn := make([]string, 0, len(pkgs)+1)
	if inv.OS != nil && inv.OS.ID != "" {
		c := osComponent(inv.OS)
		components = append(components, c)
		dependsOn = append(dependsOn, c.BOMRef)
	}
	refs := refAllocator{used: map[string]int{imageRef: 1}}
	if len(components) > 0 {
		refs.used[components[0].BOMRef] = 1
	}
	for _, p := range pkgs {
		c := packageComponent(p, inv.Layers)
		c.BOMRef = refs.next(p)
		components = append(components, c)
		dependsOn = append(dependsOn, c.BOMRef)
	}

	bom := &cdx.BOM{
		JSONSchema:   SchemaURL,
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: "urn:uuid:" + docid.UUID("cyclonedx-json", inv, ts),
		Version:      1,
		Metadata: &cdx.Metadata{
			Timestamp: ts.Format(time.RFC3339),
			Tools: &cdx.ToolsChoice{
				Components: &[]cdx.Component{{
					Type:    cdx.ComponentTypeApplication,
					Name:    toolName,
					Version: inv.Tool.Version,
				}},
			},
			Component: &image,
		},
		Components: &components,
		Dependencies: &[]cdx.Dependency{{
			Ref:          imageRef,
			Dependencies: &dependsOn,
		}},
	}
	return bom, nil
}

func imageComponent(inv *inventory.Inventory) cdx.Component {
	src := inv.Source
	name := src.Name
	if name == "" {
		name = src.Ref
	}
	if name == "" {
		name = "unknown"
	}
	version := src.ManifestDigest
	if version == "" {
		version = src.ConfigDigest
	}
	var props properties
	props.add(PropSourceType, src.Type)
	props.add(PropSourceRef, src.Ref)
	props.add(PropImageManifestDigest, src.ManifestDigest)
	props.add(PropImageConfigDigest, src.ConfigDigest)
	props.add(PropImagePlatform, src.Platform)
	for _, l := range inv.Layers {
		pre := PropImageLayerPrefix + strconv.Itoa(l.Index) + ":"
		props.add(pre+"digest", l.Digest)
		props.add(pre+"diffID", l.DiffID)
		props.add(pre+"mediaType", l.MediaType)
		if l.Size > 0 {
			props.add(pre+"size", strconv.FormatInt(l.Size, 10))
		}
		props.add(pre+"createdBy", l.CreatedBy)
	}
	return cdx.Component{
		BOMRef:     imageRef,
		Type:       cdx.ComponentTypeContainer,
		Name:       name,
		Version:    version,
		Properties: props.list(),
	}
}

func osComponent(o *inventory.OS) cdx.Component {
	var props properties
	props.add(PropOSName, o.Name)
	props.add(PropOSVersion, o.Version)
	props.add(PropOSCodename, o.Codename)
	for _, id := range o.IDLike {
		props.add(PropOSIDLike, id)
	}
	if o.Distroless {
		props.add(PropOSDistroless, "true")
	}
	return cdx.Component{
		BOMRef:      osRefPre + o.ID + "@" + o.VersionID,
		Type:        cdx.ComponentTypeOS,
		Name:        o.ID,
		Version:     o.VersionID,
		Description: o.PrettyName,
		Properties:  props.list(),
	}
}

func packageComponent(p inventory.Package, layers []inventory.Layer) cdx.Component {
	var props properties
	props.add(PropPackageType, p.Type)
	props.add(PropPackageSourceName, p.SourceName)
	props.add(PropPackageSourceVersion, p.SourceVersion)
	props.add(PropPackageArch, p.Arch)
	props.add(PropPackageEcosystem, p.Ecosystem)
	if p.Dev {
		props.add(PropPackageDev, "true")
	}
	if p.Layer >= 0 {
		props.add(PropLayerIndex, strconv.Itoa(p.Layer))
		if p.Layer < len(layers) {
			props.add(PropLayerDiffID, layers[p.Layer].DiffID)
			props.add(PropLayerCreatedBy, layers[p.Layer].CreatedBy)
		}
	}
	for _, loc := range p.Locations {
		props.add(PropLocationPath, loc)
	}
	return cdx.Component{
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL,
		Licenses:   licenses(p.Licenses),
		Properties: props.list(),
	}
}

// licenses turns license strings into CycloneDX licenses; see the package
// documentation.
func licenses(in []string) *cdx.Licenses {
	type classified struct {
		kind license.Kind
		s    string
	}
	var ls []classified
	allSPDX, anyExpr := true, false
	for _, s := range in {
		kind, norm := license.Classify(s)
		if norm == "" {
			continue
		}
		ls = append(ls, classified{kind, norm})
		allSPDX = allSPDX && kind != license.Name
		anyExpr = anyExpr || kind == license.Expression
	}
	if len(ls) == 0 {
		return nil
	}
	declared := cdx.LicenseAcknowledgementDeclared
	if allSPDX && anyExpr {
		parts := make([]string, len(ls))
		for i, l := range ls {
			parts[i] = l.s
		}
		return &cdx.Licenses{{Expression: license.Join(parts), Acknowledgement: &declared}}
	}
	out := make(cdx.Licenses, 0, len(ls))
	for _, l := range ls {
		lic := &cdx.License{Acknowledgement: declared}
		if l.kind == license.ID {
			lic.ID = l.s
		} else {
			lic.Name = l.s
		}
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return &out
}

// refAllocator hands out unique bom-refs: a package's purl, or its key when
// it has none, with ":2", ":3"... appended when already taken.
type refAllocator struct {
	used map[string]int
}

func (r *refAllocator) next(p inventory.Package) string {
	base := p.PURL
	if base == "" {
		base = "vigil:" + p.Key()
	}
	ref := base
	for n := r.used[base] + 1; r.used[ref] > 0; n++ {
		ref = base + ":" + strconv.Itoa(n)
		r.used[base] = n
	}
	r.used[ref] = 1
	return ref
}

// properties collects non-empty name/value pairs in order.
type properties []cdx.Property

func (ps *properties) add(name, value string) {
	if value != "" {
		*ps = append(*ps, cdx.Property{Name: name, Value: value})
	}
}

func (ps properties) list() *[]cdx.Property {
	if len(ps) == 0 {
		return nil
	}
	l := []cdx.Property(ps)
	return &l
}
