package hardening

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/layerfs"
)

// Package manager credentials (OS-025 to OS-028). The line drawn with
// check/secret: this package reads the configuration of OS package
// managers and of pip and RubyGems as package managers (where packages
// come from: APT, yum/dnf, zypper, apk repositories, pip indexes, the
// RubyGems API key); check/secret owns the credential files of other tools
// and registries (.npmrc, .pypirc, .netrc, Docker's config.json, cloud
// credentials) and secrets found by their content anywhere.

var (
	// urlUserinfo matches a URL with a user and a non-empty password.
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/\s:@'"]+):([^/\s@'"]+)@`)
	// netrcPassword matches a netrc-style "password VALUE" token pair.
	netrcPassword = regexp.MustCompile(`(^|\s)(password|passwd)\s+(\S+)`)
	// iniPassword matches "password = value" (yum, dnf, zypper).
	iniPassword = regexp.MustCompile(`^\s*(password|proxy_password)\s*=\s*(\S.*)$`)
	gemAPIKey   = regexp.MustCompile(`^\s*:?([A-Za-z0-9_]*api_key|:rubygems_api_key)\s*:\s*(\S+)`)
)

// redactURL hides the password of URLs in s.
func redactURL(s string) string {
	return urlUserinfo.ReplaceAllString(s, "${1}${2}:<redacted>@")
}

func urlCreds(l string) (string, bool) {
	if urlUserinfo.MatchString(l) {
		return redactURL(l), true
	}
	return "", false
}

func netrcCreds(l string) (string, bool) {
	if m := netrcPassword.FindStringSubmatchIndex(l); m != nil {
		return l[:m[6]] + "<redacted>" + l[m[7]:], true
	}
	return "", false
}

func iniCreds(l string) (string, bool) {
	if m := iniPassword.FindStringSubmatchIndex(l); m != nil {
		return l[:m[4]] + "<redacted>", true
	}
	return urlCreds(l)
}

func gemCreds(l string) (string, bool) {
	if m := gemAPIKey.FindStringSubmatchIndex(l); m != nil {
		return l[:m[4]] + "<redacted>", true
	}
	return "", false
}

// checkPackageCredentials reads the package manager files of Patterns.
func (r *run) checkPackageCredentials() {
	type source struct {
		def     *check.Definition
		kind    string
		globs   []string
		anyPath func(p string) bool // files captured anywhere (home directories)
		find    func(string) (string, bool)
	}
	sources := []source{
		{defAptCreds, "APT auth.conf", []string{"etc/apt/auth.conf", "etc/apt/auth.conf.d/*"}, nil, netrcCreds},
		{defAptCreds, "APT sources", []string{"etc/apt/sources.list", "etc/apt/sources.list.d/*"}, nil, urlCreds},
		{defPipCreds, "pip configuration", []string{"etc/pip.conf", "etc/xdg/pip/pip.conf"},
			func(p string) bool {
				return strings.HasSuffix(p, "/.pip/pip.conf") || strings.HasSuffix(p, "/.config/pip/pip.conf")
			}, urlCreds},
		{defRepoCreds, "yum/dnf configuration", []string{"etc/yum.conf", "etc/dnf/dnf.conf", "etc/yum.repos.d/*"}, nil, iniCreds},
		{defRepoCreds, "zypper repository", []string{"etc/zypp/repos.d/*", "etc/zypp/credentials.d/*"}, nil, iniCreds},
		{defRepoCreds, "apk repositories", []string{"etc/apk/repositories"}, nil, urlCreds},
		{defGemCreds, "RubyGems credentials", nil,
			func(p string) bool {
				return strings.HasSuffix(p, "/.gem/credentials") || strings.HasSuffix(p, "/.local/share/gem/credentials")
			}, gemCreds},
	}
	for _, s := range sources {
		var files []string
		for _, g := range s.globs {
			files = append(files, r.fsys.Glob(g)...)
		}
		if s.anyPath != nil {
			for _, info := range r.fsys.Matched() {
				if s.anyPath("/" + info.Path) {
					files = append(files, info.Path)
				}
			}
		}
		for _, p := range files {
			if info, err := r.fsys.Stat(p); err != nil || info.Type != layerfs.TypeFile {
				continue
			}
			data, layer, ok := r.read(p)
			if !ok {
				continue
			}
			for i, l := range lines(data) {
				t := strings.TrimSpace(l)
				if t == "" || t[0] == '#' || t[0] == ';' {
					continue
				}
				red, found := s.find(l)
				if !found {
					continue
				}
				r.add(s.def, fmt.Sprintf("%s /%s holds a password or key (line %d)", s.kind, p, i+1),
					r.evidence(p, i+1, layer, snippet(red)), red)
			}
		}
	}
}
