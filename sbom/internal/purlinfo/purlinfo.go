// Package purlinfo reads the package details that a package URL carries:
// type, name, version, architecture, distribution and source package. SBOM
// decoders use it to fill inventory packages from documents that say little
// else.
package purlinfo

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// Info is what a package URL says about a package.
type Info struct {
	Type      string
	Namespace string
	Name      string
	Version   string
	// Arch is the "arch" qualifier.
	Arch string
	// Distro is the "distro" qualifier, for example "debian-12".
	Distro string
	// Epoch is the "epoch" qualifier (RPM).
	Epoch string
	// SourceName and SourceVersion come from the "upstream" qualifier, as
	// vigil, Syft and Trivy write it: "name" (the source has the package's
	// version), "name@version", or for RPMs a source RPM file name such as
	// "bash-5.1.8-6.el9.src.rpm". Both are empty without the qualifier.
	SourceName    string
	SourceVersion string
}

// maxLen bounds the strings handed to the parser.
const maxLen = 64 << 10

// Parse parses a package URL. It reports false for anything that is not a
// valid package URL.
func Parse(s string) (Info, bool) {
	if len(s) > maxLen || !strings.HasPrefix(s, "pkg:") {
		return Info{}, false
	}
	p, err := packageurl.FromString(s)
	if err != nil || p.Type == "" || p.Name == "" {
		return Info{}, false
	}
	q := p.Qualifiers.Map()
	info := Info{
		Type:      p.Type,
		Namespace: p.Namespace,
		Name:      p.Name,
		Version:   p.Version,
		Arch:      q["arch"],
		Distro:    q["distro"],
		Epoch:     q["epoch"],
	}
	info.SourceName, info.SourceVersion = upstream(p.Type, q["upstream"])
	if info.SourceName != "" && info.SourceVersion == "" {
		// "upstream=glibc": the source has the binary package's version.
		info.SourceVersion = info.Version
	}
	return info, true
}

func upstream(typ, s string) (name, version string) {
	if s == "" {
		return "", ""
	}
	if name, version, ok := strings.Cut(s, "@"); ok {
		return name, version
	}
	if typ == "rpm" {
		if base, ok := strings.CutSuffix(s, ".src.rpm"); ok {
			// name-version-release: the name may hold dashes, the version
			// and release do not.
			if i := strings.LastIndexByte(base, '-'); i > 0 {
				if j := strings.LastIndexByte(base[:i], '-'); j > 0 {
					return base[:j], base[j+1:]
				}
			}
			return base, ""
		}
	}
	return s, ""
}
