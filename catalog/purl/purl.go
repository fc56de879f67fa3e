// Package purl builds package URLs (https://github.com/package-url/purl-spec)
// for OS packages, through the reference Go implementation.
package purl

import (
	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/inventory"
)

// OSPackage describes what an OS package URL is made from.
type OSPackage struct {
	Type      string // deb, apk, rpm
	Namespace string // the vendor: debian, ubuntu, alpine, redhat, fedora...
	Name      string
	Version   string
	Arch      string
	// Epoch is the RPM epoch, set as the "epoch" qualifier when non-empty.
	Epoch string
	// Upstream is the source package, "name" or "name@version" (Syft and
	// Trivy use the same "upstream" qualifier).
	Upstream string
	// Distro is "<id>-<version_id>", for example "debian-12".
	Distro string
}

// String returns the canonical package URL.
func (p OSPackage) String() string {
	var q packageurl.Qualifiers
	add := func(k, v string) {
		if v != "" {
			q = append(q, packageurl.Qualifier{Key: k, Value: v})
		}
	}
	add("arch", p.Arch)
	add("distro", p.Distro)
	add("epoch", p.Epoch)
	add("upstream", p.Upstream)
	// The purl spec wants qualifiers sorted by key in the canonical form.
	return packageurl.NewPackageURL(p.Type, p.Namespace, p.Name, p.Version, q, "").ToString()
}

// Distro returns the "distro" qualifier value for an OS, or "".
func Distro(os *inventory.OS) string {
	if os == nil || os.ID == "" {
		return ""
	}
	if os.VersionID == "" {
		return os.ID
	}
	return os.ID + "-" + os.VersionID
}

// Upstream returns the "upstream" qualifier for a package whose source
// package is srcName at srcVersion: empty when it is the package itself, the
// source name when only the name differs, and name@version otherwise.
func Upstream(name, version, srcName, srcVersion string) string {
	if srcName == "" {
		srcName = name
	}
	if srcVersion == "" || srcVersion == version {
		if srcName == name {
			return ""
		}
		return srcName
	}
	return srcName + "@" + srcVersion
}
