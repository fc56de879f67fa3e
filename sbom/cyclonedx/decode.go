package cyclonedx

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

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

// maxLayers bounds the layer indexes taken from image properties, so that a
// property "vigil:image:layer:999999999:diffID" cannot allocate gigabytes.
// Real images have at most 127 layers (the overlayfs limit most runtimes
// keep).
const maxLayers = 4096

// Decode reads a CycloneDX JSON document and returns the inventory it
// describes. Source.Type and Source.Ref are set only when the document
// records them (vigil does); the caller knows where the document came from.
func Decode(r io.Reader, opts DecodeOptions) (*inventory.Inventory, error) {
	var bom cdx.BOM
	// cdx.NewBOMDecoder is json.Decoder.Decode; DecodeJSON adds the limit.
	if err := limit.DecodeJSON(r, opts.MaxBytes, &bom); err != nil {
		var tooLarge *limit.TooLargeError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("cyclonedx: %w", err)
		}
		return nil, fmt.Errorf("cyclonedx: not a valid CycloneDX JSON document: %w", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("cyclonedx: bomFormat is %q, want %q", bom.BOMFormat, cdx.BOMFormat)
	}
	return fromBOM(&bom), nil
}

func fromBOM(bom *cdx.BOM) *inventory.Inventory {
	inv := &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		Layers:        []inventory.Layer{},
		Packages:      []inventory.Package{},
	}
	if md := bom.Metadata; md != nil {
		inv.Tool = tool(md.Tools)
		if md.Component != nil {
			readImage(inv, md.Component)
		}
	}
	var distro string
	walk(bom.Components, 0, func(c *cdx.Component) {
		switch {
		case c.Type == cdx.ComponentTypeOS:
			if inv.OS == nil && c.Name != "" {
				inv.OS = readOS(c)
			}
		case isPackage(c):
			p, d := readPackage(c, inv.Layers, upstreamAlways(inv.Tool.Name))
			if distro == "" {
				distro = d
			}
			inv.Packages = append(inv.Packages, p)
		}
	})
	if inv.OS == nil && distro != "" {
		// No OS component: fall back on the purls' "distro" qualifier,
		// "debian-12" or "alpine-3.20.3" (Trivy writes "3.20.3" alone).
		id, version, ok := strings.Cut(distro, "-")
		if !ok {
			id, version = "", distro
		}
		if id != "" {
			inv.OS = &inventory.OS{ID: id, VersionID: version}
		}
	}
	inv.Sort()
	return inv
}

// maxDepth bounds how deep nested components are followed. encoding/json
// already refuses documents nested more than 10000 levels deep.
const maxDepth = 1000

func walk(cs *[]cdx.Component, depth int, f func(*cdx.Component)) {
	if cs == nil || depth > maxDepth {
		return
	}
	for i := range *cs {
		c := &(*cs)[i]
		f(c)
		walk(c.Components, depth+1, f)
	}
}

func tool(tc *cdx.ToolsChoice) inventory.Tool {
	if tc == nil {
		return inventory.Tool{}
	}
	if tc.Components != nil {
		for _, c := range *tc.Components {
			if c.Name != "" {
				return inventory.Tool{Name: c.Name, Version: c.Version}
			}
		}
	}
	if tc.Tools != nil {
		for _, t := range *tc.Tools {
			if t.Name != "" {
				return inventory.Tool{Name: t.Name, Version: t.Version}
			}
		}
	}
	return inventory.Tool{}
}

func readImage(inv *inventory.Inventory, c *cdx.Component) {
	inv.Source.Name = c.Name
	layers := map[int]*inventory.Layer{}
	maxIndex := -1
	for _, p := range props(c) {
		switch p.Name {
		case PropSourceType:
			inv.Source.Type = p.Value
		case PropSourceRef:
			inv.Source.Ref = p.Value
		case PropImageManifestDigest:
			inv.Source.ManifestDigest = p.Value
		case PropImageConfigDigest:
			inv.Source.ConfigDigest = p.Value
		case PropImagePlatform:
			inv.Source.Platform = p.Value
		case "aquasecurity:trivy:ImageID":
			if inv.Source.ConfigDigest == "" {
				inv.Source.ConfigDigest = p.Value
			}
		case "aquasecurity:trivy:RepoDigest":
			// "repo@sha256:..."
			if _, d, ok := strings.Cut(p.Value, "@"); ok && inv.Source.ManifestDigest == "" {
				inv.Source.ManifestDigest = d
			}
		default:
			rest, ok := strings.CutPrefix(p.Name, PropImageLayerPrefix)
			if !ok {
				continue
			}
			idx, field, ok := strings.Cut(rest, ":")
			if !ok {
				continue
			}
			i, err := strconv.Atoi(idx)
			if err != nil || i < 0 || i >= maxLayers {
				continue
			}
			l := layers[i]
			if l == nil {
				l = &inventory.Layer{Index: i}
				layers[i] = l
			}
			maxIndex = max(maxIndex, i)
			switch field {
			case "digest":
				l.Digest = p.Value
			case "diffID":
				l.DiffID = p.Value
			case "mediaType":
				l.MediaType = p.Value
			case "size":
				l.Size, _ = strconv.ParseInt(p.Value, 10, 64)
			case "createdBy":
				l.CreatedBy = p.Value
			}
		}
	}
	// Layers index Inventory.Layers: fill gaps so that Layers[i].Index == i.
	for i := 0; i <= maxIndex; i++ {
		if l := layers[i]; l != nil {
			inv.Layers = append(inv.Layers, *l)
		} else {
			inv.Layers = append(inv.Layers, inventory.Layer{Index: i})
		}
	}
}

func readOS(c *cdx.Component) *inventory.OS {
	o := &inventory.OS{ID: c.Name, VersionID: c.Version, PrettyName: c.Description}
	for _, p := range props(c) {
		switch p.Name {
		case PropOSName:
			o.Name = p.Value
		case PropOSVersion:
			o.Version = p.Value
		case PropOSCodename:
			o.Codename = p.Value
		case PropOSIDLike:
			o.IDLike = append(o.IDLike, p.Value)
		case PropOSDistroless:
			o.Distroless = p.Value == "true"
		case "syft:distro:prettyName":
			if o.PrettyName == "" {
				o.PrettyName = p.Value
			}
		}
	}
	return o
}

// isPackage reports whether a component is a package an inventory lists:
// one with a purl, or a library or framework. Images, operating systems,
// files and Trivy's per-lockfile "application" components are not.
func isPackage(c *cdx.Component) bool {
	if c.Name == "" {
		return false
	}
	switch c.Type {
	case cdx.ComponentTypeOS, cdx.ComponentTypeContainer, cdx.ComponentTypeFile,
		cdx.ComponentTypeData, cdx.ComponentTypeDevice, cdx.ComponentTypeDeviceDriver,
		cdx.ComponentTypeMachineLearningModel,
		cdx.ComponentTypePlatform, cdx.ComponentTypeCryptographicAsset:
		return false
	case cdx.ComponentTypeLibrary, cdx.ComponentTypeFramework:
		return true
	}
	return c.PackageURL != ""
}

// readPackage turns a component into a package, and returns the "distro"
// qualifier of its purl.
func readPackage(c *cdx.Component, layers []inventory.Layer, selfSourced bool) (inventory.Package, string) {
	p := inventory.Package{
		Name:     c.Name,
		Version:  c.Version,
		PURL:     c.PackageURL,
		Licenses: readLicenses(c.Licenses),
		Layer:    -1,
	}
	info, ok := purlinfo.Parse(c.PackageURL)
	if ok {
		p.Type = info.Type
		p.Arch = info.Arch
		p.SourceName = info.SourceName
		p.SourceVersion = info.SourceVersion
	}
	var diffID, trivySrcName, trivySrcVersion, trivySrcRelease, trivySrcEpoch string
	layerSet := false
	for _, pr := range props(c) {
		switch pr.Name {
		case PropPackageType:
			p.Type = pr.Value
		case PropPackageSourceName:
			p.SourceName = pr.Value
		case PropPackageSourceVersion:
			p.SourceVersion = pr.Value
		case PropPackageArch:
			p.Arch = pr.Value
		case PropPackageDev:
			p.Dev = pr.Value == "true"
		case PropPackageEcosystem:
			p.Ecosystem = pr.Value
		case PropLayerIndex:
			if i, err := strconv.Atoi(pr.Value); err == nil && i >= 0 && i < maxLayers {
				p.Layer = i
				layerSet = true
			}
		case PropLayerDiffID, "aquasecurity:trivy:LayerDiffID":
			diffID = pr.Value
		case PropLocationPath, "aquasecurity:trivy:FilePath":
			p.Locations = append(p.Locations, pr.Value)
		case "aquasecurity:trivy:SrcName":
			trivySrcName = pr.Value
		case "aquasecurity:trivy:SrcVersion":
			trivySrcVersion = pr.Value
		case "aquasecurity:trivy:SrcRelease":
			trivySrcRelease = pr.Value
		case "aquasecurity:trivy:SrcEpoch":
			trivySrcEpoch = pr.Value
		default:
			// Syft: syft:location:N:path and syft:location:N:layerID.
			if rest, ok := strings.CutPrefix(pr.Name, "syft:location:"); ok {
				if strings.HasSuffix(rest, ":path") {
					p.Locations = append(p.Locations, pr.Value)
				} else if strings.HasSuffix(rest, ":layerID") && diffID == "" {
					diffID = pr.Value
				}
			}
		}
	}
	if p.SourceName == "" && trivySrcName != "" {
		p.SourceName = trivySrcName
		p.SourceVersion = trivySrcVersion
		if trivySrcRelease != "" {
			p.SourceVersion += "-" + trivySrcRelease
		}
		if trivySrcEpoch != "" && trivySrcEpoch != "0" {
			p.SourceVersion = trivySrcEpoch + ":" + p.SourceVersion
		}
	}
	if p.SourceName == "" && selfSourced && isOSType(p.Type) {
		// vigil and Syft leave "upstream" out of the purl of an OS package
		// that is its own source. (Trivy leaves it out always.)
		p.SourceName, p.SourceVersion = p.Name, p.Version
	}
	if !layerSet && diffID != "" {
		for _, l := range layers {
			if l.DiffID == diffID {
				p.Layer = l.Index
				break
			}
		}
	}
	return p, info.Distro
}

func readLicenses(ls *cdx.Licenses) []string {
	if ls == nil {
		return nil
	}
	var out []string
	for _, l := range *ls {
		switch {
		case l.License != nil && l.License.ID != "":
			out = append(out, l.License.ID)
		case l.License != nil && l.License.Name != "":
			out = append(out, l.License.Name)
		case l.Expression != "":
			out = append(out, license.Split(l.Expression)...)
		}
	}
	return out
}

func props(c *cdx.Component) []cdx.Property {
	if c.Properties == nil {
		return nil
	}
	return *c.Properties
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
