// Package osrelease identifies the operating system of an image from
// os-release and the distributions' own release files.
package osrelease

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Patterns are the files Detect reads.
var Patterns = []string{
	"etc/os-release",
	"usr/lib/os-release",
	"etc/debian_version",
	"etc/alpine-release",
	"etc/redhat-release",
	"etc/centos-release",
	"etc/system-release",
	"usr/bin/dpkg",
	"var/lib/dpkg/status",
}

// Detect returns the OS of fsys, or nil when nothing identifies it.
func Detect(fsys *layerfs.FS) *inventory.OS {
	var os *inventory.OS
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		if b, _, err := fsys.ReadFile(p); err == nil {
			if os = FromOSRelease(b); os != nil {
				break
			}
		}
	}
	if os == nil {
		os = fromReleaseFiles(fsys)
	}
	if os == nil {
		return nil
	}
	// Debian testing and sid have no VERSION_ID; point releases are only
	// in debian_version.
	if os.ID == "debian" {
		if b, _, err := fsys.ReadFile("etc/debian_version"); err == nil {
			v := strings.TrimSpace(firstLine(b))
			if os.VersionID == "" && v != "" && v[0] >= '0' && v[0] <= '9' {
				os.VersionID, _, _ = strings.Cut(v, ".")
			}
			if os.Version == "" {
				os.Version = v
			}
		}
	}
	// Distroless images keep one dpkg status file per package and have no
	// package manager.
	if len(fsys.Glob("var/lib/dpkg/status.d/*")) > 0 && !fsys.Exists("usr/bin/dpkg") && !fsys.Exists("var/lib/dpkg/status") {
		os.Distroless = true
	}
	return os
}

// FromOSRelease parses an os-release file
// (https://www.freedesktop.org/software/systemd/man/os-release.html).
//
// The format is a small subset of shell variable assignment; a hand-written
// parser of about thirty lines is simpler and safer on hostile input than a
// shell parser, and no maintained Go library exists for it. It returns nil
// if the file has no ID.
func FromOSRelease(b []byte) *inventory.OS {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !validKey(k) {
			continue
		}
		vals[k] = unquote(v)
	}
	if vals["ID"] == "" {
		return nil
	}
	os := &inventory.OS{
		ID:         strings.ToLower(vals["ID"]),
		Name:       vals["NAME"],
		PrettyName: vals["PRETTY_NAME"],
		VersionID:  vals["VERSION_ID"],
		Version:    vals["VERSION"],
		Codename:   vals["VERSION_CODENAME"],
	}
	if like := strings.Fields(vals["ID_LIKE"]); len(like) > 0 {
		os.IDLike = like
	}
	return os
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// unquote removes one level of single or double quotes and the backslash
// escapes os-release allows inside double quotes.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '"' {
			var sb strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
					i++
				}
				sb.WriteByte(v[i])
			}
			v = sb.String()
		}
	}
	return v
}

var releaseRe = regexp.MustCompile(`^(.*?) (?:Linux )?release ([0-9][0-9.]*)`)

// fromReleaseFiles identifies old images without os-release.
func fromReleaseFiles(fsys *layerfs.FS) *inventory.OS {
	if b, _, err := fsys.ReadFile("etc/alpine-release"); err == nil {
		v := strings.TrimSpace(firstLine(b))
		return &inventory.OS{ID: "alpine", Name: "Alpine Linux", VersionID: v, PrettyName: "Alpine Linux v" + v}
	}
	if b, _, err := fsys.ReadFile("etc/debian_version"); err == nil {
		v := strings.TrimSpace(firstLine(b))
		major, _, _ := strings.Cut(v, ".")
		return &inventory.OS{ID: "debian", Name: "Debian GNU/Linux", VersionID: major, Version: v}
	}
	for _, p := range []string{"etc/centos-release", "etc/redhat-release", "etc/system-release"} {
		b, _, err := fsys.ReadFile(p)
		if err != nil {
			continue
		}
		line := strings.TrimSpace(firstLine(b))
		m := releaseRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		id := "rhel"
		switch name := strings.ToLower(m[1]); {
		case strings.HasPrefix(name, "centos"):
			id = "centos"
		case strings.HasPrefix(name, "fedora"):
			id = "fedora"
		case strings.HasPrefix(name, "rocky"):
			id = "rocky"
		case strings.HasPrefix(name, "almalinux"):
			id = "almalinux"
		case strings.HasPrefix(name, "amazon"):
			id = "amzn"
		}
		return &inventory.OS{ID: id, Name: m[1], VersionID: m[2], PrettyName: line}
	}
	return nil
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 256 {
		b = b[:256]
	}
	return string(b)
}
