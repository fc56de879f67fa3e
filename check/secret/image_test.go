package secret_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/layercache"
)

func file(name, body string) testimage.File { return testimage.File{Name: name, Body: []byte(body)} }

// TestLayers: an image whose second layer deletes a credentials file and
// replaces a file holding a token by a clean one, and whose third layer
// replaces a lock file (which the JavaScript cataloger keeps whole)
// likewise. Every secret is reported at the layer that added it, with the
// layer that removed it; the layer cache holds no secret; a cached rescan
// reports the same.
func TestLayers(t *testing.T) {
	awsSec, gh, gh2 := awsSecret(), githubToken("p", true), githubToken("o", true)
	slack := "xo" + "xb-" + randFrom("0123456789", 12) + "-" + randFrom("0123456789", 12) + "-" + randFrom(alnum, 24)
	lock := func(extra string) string {
		return `{"name": "app", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "app"` + extra + `}}}`
	}
	layers := [][]byte{
		testimage.LayerTar(
			file("root/.aws/credentials", "[default]\naws_secret_access_key = "+awsSec+"\n"),
			file("app/.env", "PORT=8080\nGITHUB_TOKEN="+gh+"\n"),
			file("usr/local/bin/notify.sh", "#!/bin/sh\ncurl -H 'Authorization: Bearer "+slack+"' https://slack.com/api/chat.postMessage\n"),
			file("app/package-lock.json", lock(`, "_token": "`+gh2+`"`)),
		),
		testimage.LayerTar(
			testimage.File{Name: "root/.aws/.wh.credentials"},
			file("app/.env", "PORT=8080\n"),
		),
		testimage.LayerTar(file("app/package-lock.json", lock(""))),
	}
	history := []string{"COPY . /", "RUN rm /root/.aws/credentials && sed -i /TOKEN/d /app/.env", "RUN npm install"}
	archive := testimage.WriteDockerArchive(t, testimage.Image(t, layers, history), "vigil-test/secret-layers:1")
	cache, err := layercache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"SEC-004 /root/.aws/credentials:2 layer 0 (COPY . /): AWS secret access key in /root/.aws/credentials, added in layer 0, deleted in layer 1 (the secret still ships in layer 0)",
		"SEC-008 /app/.env:2 layer 0 (COPY . /): GitHub token in /app/.env, added in layer 0, replaced in layer 1 (the secret still ships in layer 0)",
		"SEC-008 /app/package-lock.json:1 layer 0 (COPY . /): GitHub token in /app/package-lock.json, added in layer 0, replaced in layer 2 (the secret still ships in layer 0)",
		"SEC-010 /usr/local/bin/notify.sh:2 layer 0 (COPY . /): Slack token in /usr/local/bin/notify.sh, added in layer 0",
	}
	for _, run := range []string{"cold", "cached"} {
		inv, sc := scanImage(t, "docker-archive:"+archive, cache, secret.Options{})
		got := describe(sc.findings)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s scan:\n got %s\nwant %s", run, strings.Join(got, "\n    "), strings.Join(want, "\n    "))
		}
		if len(inv.Warnings) != 0 {
			t.Errorf("%s scan: warnings %+v", run, inv.Warnings)
		}
		for _, f := range sc.findings {
			for _, s := range []string{awsSec, gh, gh2, slack} {
				if strings.Contains(f.Message+f.Evidence.Snippet+f.Fingerprint, s[4:]) {
					t.Errorf("finding shows a secret: %+v", f)
				}
			}
		}
	}
	// The cache holds the findings of reduced files, never their content;
	// the lock file, which a cataloger reads, is cached whole.
	wholeLock := false
	err = filepath.WalkDir(cache.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		for _, s := range []string{awsSec, gh, slack} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("cache file %s holds a secret", p)
			}
		}
		wholeLock = wholeLock || bytes.Contains(b, []byte(gh2))
		return err
	})
	if err != nil || !wholeLock {
		t.Errorf("cache not read (%v), or the lock file is not in it", err)
	}
}

func describe(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		e := f.Evidence
		out = append(out, f.CheckID+" "+e.File+":"+itoa(e.Line)+" layer "+itoa(e.Layer)+" ("+e.CreatedBy+"): "+f.Message)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
