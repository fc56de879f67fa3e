package purlinfo

import (
	"flag"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This package has no golden files; the flag is accepted so that
// "go test ./sbom/... -update" works.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Info
		ok   bool
	}{
		{
			in:   "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12&upstream=glibc",
			want: Info{Type: "deb", Namespace: "debian", Name: "libc6", Version: "2.36-9+deb12u10", Arch: "amd64", Distro: "debian-12", SourceName: "glibc", SourceVersion: "2.36-9+deb12u10"},
			ok:   true,
		},
		{
			in:   "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&upstream=openssl%403.0.15-1~deb12u1",
			want: Info{Type: "deb", Namespace: "debian", Name: "libssl3", Version: "3.0.15-1~deb12u1", Arch: "amd64", SourceName: "openssl", SourceVersion: "3.0.15-1~deb12u1"},
			ok:   true,
		},
		{
			in:   "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1&upstream=bash-5.1.8-6.el9.src.rpm",
			want: Info{Type: "rpm", Namespace: "redhat", Name: "bash", Version: "5.1.8-6.el9", Arch: "x86_64", Epoch: "1", SourceName: "bash", SourceVersion: "5.1.8-6.el9"},
			ok:   true,
		},
		{
			in:   "pkg:rpm/centos/python3-libs@3.9.18-1.el9?upstream=python3.9-3.9.18-1.el9.src.rpm",
			want: Info{Type: "rpm", Namespace: "centos", Name: "python3-libs", Version: "3.9.18-1.el9", SourceName: "python3.9", SourceVersion: "3.9.18-1.el9"},
			ok:   true,
		},
		{in: "a-purl-1"},
		{in: "pkg:"},
		{in: ""},
	} {
		got, ok := Parse(tc.in)
		if ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12&upstream=glibc")
	f.Add("pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1&upstream=bash-5.1.8-6.el9.src.rpm")
	f.Add("pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.20.3")
	f.Fuzz(func(t *testing.T, s string) {
		info, ok := Parse(s)
		if ok && (info.Type == "" || info.Name == "") {
			t.Errorf("Parse(%q) ok with empty type or name: %+v", s, info)
		}
	})
}
