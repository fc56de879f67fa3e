// Package inventory is the model every step of vigil shares: what an image
// (or a root filesystem) is, which layers it has, and which packages it holds.
//
// It imports only the standard library so that catalogers, SBOM encoders,
// matchers and reports can all depend on it without pulling each other in.
package inventory

import (
	"cmp"
	"slices"
)

// SchemaVersion is the version of vigil's own JSON inventory format.
// Bump the minor version for additive changes and the major version for
// anything a consumer could trip over.
const SchemaVersion = "1.0.0"

// Inventory is everything vigil found in one image or filesystem.
type Inventory struct {
	SchemaVersion string    `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	Source        Source    `json:"source"`
	OS            *OS       `json:"os,omitempty"`
	Layers        []Layer   `json:"layers"`
	Packages      []Package `json:"packages"`
	Warnings      []Warning `json:"warnings,omitempty"`
}

// Tool names the program that produced an inventory.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Source describes what was read.
type Source struct {
	// Type is the source kind: docker-archive, oci, oci-archive, registry,
	// docker or dir.
	Type string `json:"type"`
	// Ref is the reference or path as the user gave it, without the prefix.
	Ref string `json:"ref"`
	// Name is a human readable name for the image (a tag if one is known).
	Name string `json:"name,omitempty"`
	// ManifestDigest is the digest of the image manifest, when there is one.
	ManifestDigest string `json:"manifestDigest,omitempty"`
	// ConfigDigest is the digest of the image configuration (the image ID).
	ConfigDigest string `json:"configDigest,omitempty"`
	// Platform is os/arch[/variant] of the image.
	Platform string `json:"platform,omitempty"`
}

// OS is the operating system release found in the image.
type OS struct {
	ID         string   `json:"id"`
	IDLike     []string `json:"idLike,omitempty"`
	Name       string   `json:"name,omitempty"`
	PrettyName string   `json:"prettyName,omitempty"`
	VersionID  string   `json:"versionID,omitempty"`
	Version    string   `json:"version,omitempty"`
	Codename   string   `json:"codename,omitempty"`
	// Distroless is set for images that carry package metadata but no
	// package manager (for example gcr.io/distroless).
	Distroless bool `json:"distroless,omitempty"`
}

// Layer is one filesystem layer of an image, in application order.
type Layer struct {
	Index int `json:"index"`
	// Digest is the digest of the layer blob as stored (often compressed).
	Digest string `json:"digest,omitempty"`
	// DiffID is the digest of the uncompressed layer tar.
	DiffID    string `json:"diffID,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	Size      int64  `json:"size,omitempty"`
	// CreatedBy is the build instruction from the image history that made
	// this layer, when the history records one.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Package types, as used in package URLs.
const (
	TypeDeb = "deb"
	TypeApk = "apk"
	TypeRPM = "rpm"
	// Language ecosystems, named as package URL types.
	TypeGolang = "golang"
	TypeNPM    = "npm"
	TypePyPI   = "pypi"
	TypeMaven  = "maven"
	TypeGem    = "gem"
	TypeCargo  = "cargo"
	// TypeComposer is PHP's Composer (Packagist).
	TypeComposer = "composer"
	TypeNuGet    = "nuget"
)

// Package is one installed package.
type Package struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	Arch          string `json:"arch,omitempty"`
	// Type is the package format (deb, apk, rpm, ...).
	Type string `json:"type"`
	// Ecosystem is the advisory ecosystem name, as OSV spells it
	// (for example "Debian:12" or "Alpine:v3.20").
	Ecosystem string   `json:"ecosystem,omitempty"`
	PURL      string   `json:"purl"`
	Licenses  []string `json:"licenses,omitempty"`
	// Layer is the index of the layer that introduced this package at this
	// version; it indexes Inventory.Layers. -1 means unknown (a package
	// read from another tool's SBOM that does not say).
	Layer int `json:"layer"`
	// Locations are the files the package was found in (its database).
	Locations []string `json:"locations,omitempty"`
	// Files are the paths the package owns, as its database lists them.
	Files []string `json:"files,omitempty"`
	// Dev marks a development-only dependency (from a lock file that says
	// so); it does not ship with the application.
	Dev bool `json:"dev,omitempty"`
}

// Key identifies a package within an inventory.
func (p Package) Key() string {
	return p.Type + "/" + p.Name + "@" + p.Version + "/" + p.Arch
}

// Warning is a problem that did not stop the scan but that a user should
// know about: a skipped file, an unreadable database, a suspicious entry.
type Warning struct {
	// Layer is the index of the layer concerned, or -1 if none.
	Layer   int    `json:"layer"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Sort puts packages and warnings in a stable order so that output does not
// depend on map iteration or goroutine scheduling.
func (inv *Inventory) Sort() {
	slices.SortStableFunc(inv.Packages, func(a, b Package) int {
		return cmp.Or(
			cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Version, b.Version),
			cmp.Compare(a.Arch, b.Arch),
			// the same package found in several places
			slices.Compare(a.Locations, b.Locations),
			cmp.Compare(a.Layer, b.Layer),
			cmp.Compare(a.PURL, b.PURL),
		)
	})
	slices.SortStableFunc(inv.Warnings, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Message, b.Message))
	})
}
