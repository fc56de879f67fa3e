package osrelease

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

func file(p, data string) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Size: int64(len(data)), Data: []byte(data), Captured: true}
}

func TestDetect(t *testing.T) {
	debian, err := os.ReadFile("testdata/debian-12.os-release")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		entries []layerfs.Entry
		want    *inventory.OS
	}{
		{
			name: "debian through the os-release symlink",
			entries: []layerfs.Entry{
				{Path: "etc/os-release", Type: layerfs.TypeSymlink, Link: "../usr/lib/os-release"},
				file("usr/lib/os-release", string(debian)),
				file("etc/debian_version", "12.11\n"),
			},
			want: &inventory.OS{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)", VersionID: "12", Version: "12 (bookworm)", Codename: "bookworm"},
		},
		{
			name:    "debian sid without VERSION_ID",
			entries: []layerfs.Entry{file("etc/os-release", "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n"), file("etc/debian_version", "trixie/sid\n")},
			want:    &inventory.OS{ID: "debian", PrettyName: "Debian GNU/Linux trixie/sid", Version: "trixie/sid"},
		},
		{
			name:    "old debian without os-release",
			entries: []layerfs.Entry{file("etc/debian_version", "7.11\n")},
			want:    &inventory.OS{ID: "debian", Name: "Debian GNU/Linux", VersionID: "7", Version: "7.11"},
		},
		{
			name:    "alpine release file only",
			entries: []layerfs.Entry{file("etc/alpine-release", "3.21.2\n")},
			want:    &inventory.OS{ID: "alpine", Name: "Alpine Linux", PrettyName: "Alpine Linux v3.21.2", VersionID: "3.21.2"},
		},
		{
			name:    "centos release file only",
			entries: []layerfs.Entry{file("etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n")},
			want:    &inventory.OS{ID: "centos", Name: "CentOS", VersionID: "7.9.2009", PrettyName: "CentOS Linux release 7.9.2009 (Core)"},
		},
		{
			name: "distroless",
			entries: []layerfs.Entry{
				file("etc/os-release", "PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\nVERSION_ID=\"12\"\nVERSION=\"Debian GNU/Linux 12 (bookworm)\"\n"),
				file("var/lib/dpkg/status.d/base-files", "Package: base-files\nVersion: 12.4\n"),
			},
			want: &inventory.OS{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Distroless", VersionID: "12", Version: "Debian GNU/Linux 12 (bookworm)", Distroless: true},
		},
		{name: "nothing", entries: []layerfs.Entry{file("etc/hostname", "x\n")}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Detect(layerfs.Merge(&layerfs.Extract{Entries: tt.entries}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Detect (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromOSReleaseQuoting(t *testing.T) {
	got := FromOSRelease([]byte("# comment\nID='ubuntu'\nNAME=\"A \\\"quoted\\\" \\$name\"\nID_LIKE=\"debian  fedora\"\nbad line\nlower=x\n"))
	want := &inventory.OS{ID: "ubuntu", Name: `A "quoted" $name`, IDLike: []string{"debian", "fedora"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func FuzzFromOSRelease(f *testing.F) {
	if b, err := os.ReadFile("testdata/debian-12.os-release"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("ID=\"a\\\"\nVERSION_ID='1'"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if os := FromOSRelease(data); os != nil && os.ID == "" {
			t.Fatal("an OS without an ID")
		}
	})
}
