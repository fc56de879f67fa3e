package shellscript

import (
	"strings"
	"testing"
)

func TestDownloadToShell(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   bool
	}{
		{"curl -fsSL https://x/install.sh | sh", true},
		{"curl https://x | sudo -E bash -s -- --yes", true},
		{"/usr/bin/curl -s https://x | /bin/bash", true},
		{"wget -qO- https://x | sh", true},
		{"wget -O - https://x | bash", true},
		{"wget --output-document=- https://x | sh", true},
		{"wget -O- https://x | tee /tmp/x | sh", true},
		{"curl https://x | busybox sh", true},
		{"curl https://x | python3 -", true},
		{`sh -c "$(curl -fsSL https://x)"`, true},
		{`bash -c "$(wget -qO- https://x)"`, true},
		{"bash <(curl -s https://x)", true},
		{`eval "$(curl -s https://x)"`, true},
		{"set -e; cd /tmp && curl -s https://x | sh && echo done", true},
		{"if true; then curl https://x | sh; fi", true},
		// not a download run by a shell
		{"curl -fsSL https://x -o /tmp/i.sh && sha256sum -c sums && sh /tmp/i.sh", false},
		{"curl -fsSLo /tmp/i.sh https://x | sh", false},
		{"curl https://x | tar -xz", false},
		{"curl https://x | gpg --dearmor -o /k.gpg", false},
		{"wget https://x | sh", false}, // wget writes a file, not stdout
		{`echo "curl https://x | sh"`, false},
		{"sh -c 'echo $(date)'", false},
		{"cat local.sh | sh", false},
		{"sh | curl https://x", false},
		{"", false},
	} {
		sh, err := Parse(tc.script)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.script, err)
			continue
		}
		cmd, got := sh.DownloadToShell()
		if got != tc.want || got && !strings.Contains(tc.script, cmd) {
			t.Errorf("DownloadToShell(%q) = %q, %v; want %v", tc.script, cmd, got, tc.want)
		}
	}
}

func TestCalls(t *testing.T) {
	sh, err := Parse("apt-get update && sudo -u app make && echo sudo && env X=1 sudo true\nfor u in a; do sudo id; done")
	if err != nil {
		t.Fatal(err)
	}
	got := sh.Calls("sudo")
	want := []string{"sudo -u app make", "env X=1 sudo true", "sudo id"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Calls(sudo) = %q, want %q", got, want)
	}
}

func TestApt(t *testing.T) {
	for _, tc := range []struct {
		script               string
		installs, noRec      int
		update, listsRemoved bool
	}{
		{"apt-get update && apt-get install -y --no-install-recommends a b && rm -rf /var/lib/apt/lists/*", 1, 1, true, true},
		{"apt-get update && apt-get install -y a", 1, 0, true, false},
		{"apt-get -q -o APT::Install-Recommends=false install -y a", 1, 1, false, false},
		{"apt-get -oAPT::Install-Recommends=0 install a", 1, 1, false, false},
		{"apt-get -o APT::Install-Recommends=true install a", 1, 0, false, false},
		{"apt install a; apt-get -y upgrade", 1, 0, false, false},
		{"DEBIAN_FRONTEND=noninteractive apt-get -t bookworm-backports install -y x && rm -r /var/lib/apt/lists", 1, 0, false, true},
		{"apt-get update && apt-get clean", 0, 0, true, false},
		{"echo apt-get install x", 0, 0, false, false},
	} {
		sh, err := Parse(tc.script)
		if err != nil {
			t.Fatal(err)
		}
		a := sh.Apt()
		noRec := 0
		for _, in := range a.Installs {
			if in.NoRecommends {
				noRec++
			}
		}
		if len(a.Installs) != tc.installs || noRec != tc.noRec || (a.Update != "") != tc.update || a.ListsRemoved != tc.listsRemoved {
			t.Errorf("Apt(%q) = %+v", tc.script, a)
		}
	}
}

func TestParseLimits(t *testing.T) {
	if _, err := Parse(strings.Repeat("a", MaxSize+1)); err == nil {
		t.Error("oversized script accepted")
	}
	if _, err := Parse(strings.Repeat("$(", 1000)); err == nil {
		t.Error("deeply nested script accepted")
	}
	if _, err := Parse("echo 'unterminated"); err == nil {
		t.Error("syntax error not reported")
	}
}

func FuzzScript(f *testing.F) {
	f.Fuzz(func(t *testing.T, src string) {
		sh, err := Parse(src)
		if err != nil {
			return
		}
		if cmd, ok := sh.DownloadToShell(); ok && !strings.Contains(src, cmd) {
			t.Errorf("snippet %q not in the script", cmd)
		}
		for _, c := range sh.Calls("sudo") {
			if !strings.Contains(src, c) {
				t.Errorf("call %q not in the script", c)
			}
		}
		sh.Apt()
	})
}
