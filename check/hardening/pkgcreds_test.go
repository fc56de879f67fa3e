package hardening

import (
	"testing"
)

func TestPackageCredentials(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	tests := []struct {
		name  string
		files files
		want  []string
	}{
		{"clean", files{
			file("etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n"),
			file("etc/apt/sources.list.d/debian.sources", "Types: deb\nURIs: http://deb.debian.org/debian\n"),
			file("etc/apt/auth.conf.d/empty.conf", "# machine example.org login x password y\n"),
			file("etc/pip.conf", "[global]\nindex-url = https://pypi.org/simple\n"),
			file("etc/yum.repos.d/fedora.repo", "[fedora]\nbaseurl=https://mirror.example/fedora\n"),
		}, nil},
		{"apt auth.conf.d", files{file("etc/apt/auth.conf.d/corp.conf", "machine apt.corp.example login deploy password "+secret+"\n")}, []string{"OS-025 /etc/apt/auth.conf.d/corp.conf:1"}},
		{"apt auth.conf, netrc layout", files{file("etc/apt/auth.conf", "machine apt.corp.example\nlogin deploy\npassword "+secret+"\n")}, []string{"OS-025 /etc/apt/auth.conf:3"}},
		{"apt sources URI", files{file("etc/apt/sources.list.d/corp.list", "deb https://deploy:"+secret+"@apt.corp.example/debian bookworm main\n")}, []string{"OS-025 /etc/apt/sources.list.d/corp.list:1"}},
		{"pip.conf in a home", files{file("root/.config/pip/pip.conf", "[global]\nextra-index-url =\n    https://pypi.org/simple\n    https://__token__:"+secret+"@pkgs.corp.example/simple\n")}, []string{"OS-026 /root/.config/pip/pip.conf:4"}},
		{"pip.conf in /etc", files{file("etc/pip.conf", "[global]\nindex-url = https://u:"+secret+"@pkgs.corp.example/simple\n")}, []string{"OS-026 /etc/pip.conf:2"}},
		{"yum repo password", files{file("etc/yum.repos.d/corp.repo", "[corp]\nbaseurl=https://repo.corp.example/el9\nusername=deploy\npassword="+secret+"\n")}, []string{"OS-027 /etc/yum.repos.d/corp.repo:4"}},
		{"dnf baseurl", files{file("etc/yum.repos.d/corp.repo", "[corp]\nbaseurl=https://deploy:"+secret+"@repo.corp.example/el9\n")}, []string{"OS-027 /etc/yum.repos.d/corp.repo:2"}},
		{"zypper credentials", files{file("etc/zypp/credentials.d/corp", "username=deploy\npassword="+secret+"\n")}, []string{"OS-027 /etc/zypp/credentials.d/corp:2"}},
		{"apk repositories", files{file("etc/apk/repositories", "https://dl-cdn.alpinelinux.org/alpine/v3.20/main\nhttps://deploy:"+secret+"@apk.corp.example/main\n")}, []string{"OS-027 /etc/apk/repositories:2"}},
		{"gem credentials", files{file("home/dev/.gem/credentials", "---\n:rubygems_api_key: rubygems_"+secret+"\n")}, []string{"OS-028 /home/dev/.gem/credentials:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCheck(t, fsOf(t, tt.files), nil, Options{})
			wantIDs(t, res, []string{"OS-025", "OS-026", "OS-027", "OS-028"}, tt.want...)
			noSecrets(t, res, secret)
			for _, f := range res.findings {
				if f.Evidence.Snippet == "" {
					t.Errorf("%s: no snippet", f.CheckID)
				}
			}
		})
	}
}
