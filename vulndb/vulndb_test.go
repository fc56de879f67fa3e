package vulndb_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-dev/vigil/vulndb"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

const mirror = "testdata/mirror"

var mirrorEcosystems = []string{"Alpine", "Debian", "Go", "Maven", "PyPI", "RubyGems", "crates.io", "npm"}

// truth is what the mirror holds, read independently of the store.
type truth struct {
	ids       map[string]bool            // every record id
	withdrawn map[string]bool            // withdrawn record ids
	byPkg     map[string][]string        // "ecosystem/name" -> ids, as spelled in the records
	byLink    map[string][]string        // alias or upstream id -> ids
	perEco    map[string]map[string]bool // ecosystem -> ids
}

func readTruth(t *testing.T) truth {
	t.Helper()
	tr := truth{ids: map[string]bool{}, withdrawn: map[string]bool{}, byPkg: map[string][]string{}, byLink: map[string][]string{}, perEco: map[string]map[string]bool{}}
	for _, eco := range mirrorEcosystems {
		zr, err := zip.OpenReader(filepath.Join(mirror, eco, "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			var v struct {
				ID                string
				Withdrawn         string
				Aliases, Upstream []string
				Affected          []struct {
					Package struct{ Ecosystem, Name string }
				}
			}
			rc, _ := f.Open()
			err := json.NewDecoder(rc).Decode(&v)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			tr.ids[v.ID] = true
			if v.Withdrawn != "" {
				tr.withdrawn[v.ID] = true
			}
			for _, l := range append(v.Aliases, v.Upstream...) {
				tr.byLink[l] = append(tr.byLink[l], v.ID)
			}
			for _, a := range v.Affected {
				key := a.Package.Ecosystem + "/" + a.Package.Name
				if !slices.Contains(tr.byPkg[key], v.ID) {
					tr.byPkg[key] = append(tr.byPkg[key], v.ID)
				}
				if tr.perEco[a.Package.Ecosystem] == nil {
					tr.perEco[a.Package.Ecosystem] = map[string]bool{}
				}
				tr.perEco[a.Package.Ecosystem][v.ID] = true
			}
		}
		zr.Close()
	}
	return tr
}

// server serves a directory laid out like the OSV exports, with ETag and
// Last-Modified validators as the live exports send them. fault, if set,
// may answer a request itself.
type server struct {
	*httptest.Server
	root  string
	mu    sync.Mutex
	log   []string // "GET /Go/all.zip inm=..."
	fault func(w http.ResponseWriter, r *http.Request) bool
}

func newServer(t *testing.T, root string) *server {
	s := &server{root: root}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, r.URL.Path+" inm="+r.Header.Get("If-None-Match"))
	fault := s.fault
	s.mu.Unlock()
	if fault != nil && fault(w, r) {
		return
	}
	name := filepath.Join(s.root, filepath.FromSlash(r.URL.Path))
	data, err := os.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, name, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), bytes.NewReader(data))
}

func (s *server) requests(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.log {
		if strings.HasPrefix(l, path+" ") {
			out = append(out, l)
		}
	}
	return out
}

func (s *server) setFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

func update(t *testing.T, s *server, path string, mod func(*vulndb.UpdateOptions)) (vulndb.UpdateResult, error) {
	t.Helper()
	opts := vulndb.UpdateOptions{Path: path, Source: s.URL, Backoff: time.Millisecond, Retries: 2}
	if mod != nil {
		mod(&opts)
	}
	return vulndb.Update(context.Background(), opts)
}

func ids(vs []*osv.Vulnerability) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func open(t *testing.T, path string) *vulndb.DB {
	t.Helper()
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUpdateFromMirror(t *testing.T) {
	tr := readTruth(t)
	s := newServer(t, mirror)
	path := filepath.Join(t.TempDir(), "db", "vigil.db")
	var mu sync.Mutex
	finished := map[string]bool{}
	res, err := update(t, s, path, func(o *vulndb.UpdateOptions) {
		o.Source = ""
		t.Setenv("VIGIL_DB_SOURCE", s.URL)
		o.Progress = func(p vulndb.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if p.Phase == "download" && p.Done == p.Total && p.Total > 0 {
				finished[p.Ecosystem] = true
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mirrorEcosystems, sorted(res.Downloaded)); diff != "" {
		t.Errorf("downloaded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"AlmaLinux", "NuGet", "Packagist", "Red Hat", "Rocky Linux", "Ubuntu"}, sorted(res.Missing)); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if len(finished) != len(mirrorEcosystems) {
		t.Errorf("progress reported complete downloads for %v", finished)
	}
	if len(s.requests("/Red Hat/all.zip")) != 1 {
		t.Errorf("Red Hat was requested as %v", s.log)
	}

	db := open(t, path)
	st, err := db.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != len(tr.ids) || st.Withdrawn != len(tr.withdrawn) || st.Withdrawn == 0 {
		t.Errorf("status counts %d records, %d withdrawn; the mirror has %d, %d", st.Records, st.Withdrawn, len(tr.ids), len(tr.withdrawn))
	}
	for eco, want := range tr.perEco {
		if st.Ecosystems[eco] != len(want) {
			t.Errorf("status counts %d records for %s, the mirror has %d", st.Ecosystems[eco], eco, len(want))
		}
	}
	if len(st.Sources) != len(mirrorEcosystems) || st.Sources[0].ETag == "" || !strings.HasPrefix(st.Sources[0].URL, s.URL) {
		t.Errorf("sources: %+v", st.Sources)
	}
	if st.Newest.IsZero() || st.Stale(st.Built.Add(time.Hour)) || !st.Stale(st.Built.Add(8*24*time.Hour)) {
		t.Errorf("data age %v, built %v", st.Newest, st.Built)
	}
	checkLookups(t, db, tr)
}

// checkLookups compares the store's answers with the truth read from the
// mirror's JSON.
func checkLookups(t *testing.T, db *vulndb.DB, tr truth) {
	t.Helper()
	for _, tc := range []struct{ eco, name, key string }{
		{"Debian:12", "zlib", "Debian:12/zlib"},
		{"Debian:12", "tinc", "Debian:12/tinc"},
		{"Go", "golang.org/x/text", "Go/golang.org/x/text"},
		{"PyPI", "JW_Util", "PyPI/jw.util"}, // PEP 503
		{"PyPI", "Paramiko", "PyPI/paramiko"},
		{"crates.io", "smallvec", "crates.io/smallvec"},
		{"Alpine:v3.4", "flex", "Alpine:v3.4/flex"},
		{"npm", "jose", "npm/jose"},
		{"Maven", "org.rundeck:rundeck-core", "Maven/org.rundeck:rundeck-core"},
		{"RubyGems", "doorkeeper", "RubyGems/doorkeeper"},
	} {
		got, err := db.Affecting(tc.eco, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, id := range tr.byPkg[tc.key] {
			if !tr.withdrawn[id] {
				want = append(want, id)
			}
		}
		if len(want) == 0 {
			t.Fatalf("the mirror has no records for %s", tc.key)
		}
		if diff := cmp.Diff(sorted(want), ids(got)); diff != "" {
			t.Errorf("Affecting(%s, %s) (-want +got):\n%s", tc.eco, tc.name, diff)
		}
	}
	// Withdrawn records are kept, but no lookup returns them.
	for id := range tr.withdrawn {
		v, err := db.Get(id)
		if err != nil || v == nil || v.Withdrawn == nil {
			t.Fatalf("Get(%s) = %v, %v", id, v, err)
		}
		for _, a := range v.Affected {
			got, _ := db.Affecting(a.Package.Ecosystem, a.Package.Name)
			if slices.Contains(ids(got), id) {
				t.Errorf("Affecting(%s, %s) returned withdrawn %s", a.Package.Ecosystem, a.Package.Name, id)
			}
		}
	}
	// CVE links through aliases (Debian, Go, ...) and upstream (Alpine).
	checked := map[string]bool{}
	for cve, want := range tr.byLink {
		prefix := strings.SplitN(want[0], "-", 2)[0]
		if !strings.HasPrefix(cve, "CVE-") || checked[prefix] {
			continue
		}
		checked[prefix] = true
		got, err := db.ByAlias(cve)
		if err != nil {
			t.Fatal(err)
		}
		want = slices.DeleteFunc(slices.Clone(want), func(id string) bool { return tr.withdrawn[id] })
		if diff := cmp.Diff(sorted(want), ids(got), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ByAlias(%s) (-want +got):\n%s", cve, diff)
		}
	}
	if !checked["ALPINE"] || !checked["DEBIAN"] {
		t.Errorf("checked CVE links of %v only", checked)
	}
}

func TestSecondUpdateIsConditional(t *testing.T) {
	s := newServer(t, mirror)
	path := filepath.Join(t.TempDir(), "vigil.db")
	eco := func(o *vulndb.UpdateOptions) { o.Ecosystems = mirrorEcosystems }
	if _, err := update(t, s, path, eco); err != nil {
		t.Fatal(err)
	}
	res, err := update(t, s, path, eco)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 0 || len(res.NotModified) != len(mirrorEcosystems) {
		t.Errorf("second update downloaded %v, reused %v", res.Downloaded, res.NotModified)
	}
	if reqs := s.requests("/Go/all.zip"); len(reqs) != 2 || strings.HasSuffix(reqs[1], "inm=") {
		t.Errorf("Go requests: %v", reqs)
	}
	checkLookups(t, open(t, path), readTruth(t))
}

func TestRetryAfterServerError(t *testing.T) {
	s := newServer(t, mirror)
	failed := false
	s.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/Go/all.zip" && !failed {
			failed = true
			http.Error(w, "try again", http.StatusInternalServerError)
			return true
		}
		return false
	})
	res, err := update(t, s, filepath.Join(t.TempDir(), "vigil.db"), func(o *vulndb.UpdateOptions) { o.Ecosystems = []string{"Go"} })
	if err != nil {
		t.Fatal(err)
	}
	if len(s.requests("/Go/all.zip")) != 2 || res.Status.Ecosystems["Go"] == 0 {
		t.Errorf("requests %v, status %+v", s.requests("/Go/all.zip"), res.Status)
	}
}

// zipOf builds a zip with the given entries.
func zipOf(t *testing.T, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func serveBytes(data []byte) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/Go/all.zip" {
			return false
		}
		w.Header().Set("ETag", `"changed"`)
		w.Write(data)
		return true
	}
}

func TestFailedUpdateKeepsPreviousDatabase(t *testing.T) {
	goZip, err := os.ReadFile(filepath.Join(mirror, "Go", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	bomb := zipOf(t, map[string][]byte{"GO-BOMB.json": make([]byte, 64<<20)})
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	for name, tc := range map[string]struct {
		fault func(w http.ResponseWriter, r *http.Request) bool
		want  string
	}{
		"server error": {func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "down", http.StatusBadGateway)
			return true
		}, "502 Bad Gateway (after 3 attempts)"},
		"truncated download": {func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Length", fmt.Sprint(len(goZip)))
			w.Write(goZip[:len(goZip)/2])
			return true
		}, "after 3 attempts"},
		"zip bomb":       {serveBytes(bomb), "zip bomb"},
		"corrupt record": {serveBytes(zipOf(t, map[string][]byte{"GO-2099-0001.json": []byte(`{"id": "GO-2099-0001", "affected": [{`)})), "GO-2099-0001.json"},
		"not a zip":      {serveBytes([]byte("<html>maintenance</html>")), "not a readable zip"},
		"bad status": {func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "no", http.StatusForbidden)
			return true
		}, "403"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, mirror)
			dir := t.TempDir()
			path := filepath.Join(dir, "vigil.db")
			before, err := update(t, s, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.setFault(func(w http.ResponseWriter, r *http.Request) bool {
				return r.URL.Path == "/Go/all.zip" && tc.fault(w, r)
			})
			_, err = update(t, s, path, nil)
			var ecoErr *vulndb.EcosystemError
			if !errors.As(err, &ecoErr) || ecoErr.Ecosystem != "Go" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("update error %v, want Go failing with %q", err, tc.want)
			}
			db := open(t, path)
			st, _ := db.Status()
			if !st.Built.Equal(before.Status.Built) || st.Records != before.Status.Records {
				t.Errorf("the database changed: %+v", st)
			}
			checkLookups(t, db, readTruth(t))
			checkNoLeftovers(t, dir)
			// The kept zips are intact: the next update is conditional.
			s.setFault(nil)
			res, err := update(t, s, path, nil)
			if err != nil || len(res.NotModified) != len(mirrorEcosystems) {
				t.Errorf("update after the failure: %v, reused %v", err, res.NotModified)
			}
		})
	}
}

// checkNoLeftovers fails if a temporary file is left in dir or below.
func checkNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func TestInterruptedUpdateKeepsPreviousDatabase(t *testing.T) {
	s := newServer(t, mirror)
	dir := t.TempDir()
	path := filepath.Join(dir, "vigil.db")
	if _, err := update(t, s, path, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/PyPI/all.zip" {
			return false
		}
		w.Header().Set("Content-Length", "1000000")
		w.Write([]byte("PK"))
		w.(http.Flusher).Flush()
		cancel()
		<-r.Context().Done()
		return true
	})
	_, err := vulndb.Update(ctx, vulndb.UpdateOptions{Path: path, Source: s.URL, Backoff: time.Millisecond})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("update error %v, want context.Canceled", err)
	}
	checkLookups(t, open(t, path), readTruth(t))
	checkNoLeftovers(t, dir)
}

func TestInvalidRecordIsSkipped(t *testing.T) {
	root := t.TempDir()
	goZip, _ := os.ReadFile(filepath.Join(mirror, "Go", "all.zip"))
	zr, _ := zip.NewReader(bytes.NewReader(goZip), int64(len(goZip)))
	entries := map[string][]byte{
		"GO-2099-0001.json": []byte(`{"id":"GO-2099-0001","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}`),
		"GO-2099-0002.json": []byte(`{"affected":[]}`),
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		entries[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	os.MkdirAll(filepath.Join(root, "Go"), 0o755)
	os.WriteFile(filepath.Join(root, "Go", "all.zip"), zipOf(t, entries), 0o644)
	s := newServer(t, root)
	res, err := update(t, s, filepath.Join(t.TempDir(), "vigil.db"), func(o *vulndb.UpdateOptions) { o.Ecosystems = []string{"Go"} })
	if err != nil {
		t.Fatal(err)
	}
	src := res.Status.Sources[0]
	if src.Skipped != 2 || src.Records != len(zr.File) || len(res.Warnings) != 2 || !strings.Contains(strings.Join(res.Warnings, "\n"), "no introduced event") {
		t.Errorf("source %+v, warnings %q", src, res.Warnings)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := vulndb.Open(filepath.Join(dir, "none.db"))
	if !errors.Is(err, vulndb.ErrNoDatabase) || !strings.Contains(err.Error(), "vigil db update") {
		t.Errorf("missing file: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 1000), 0o644)
	if _, err := vulndb.Open(garbage); err == nil {
		t.Error("opened a garbage file")
	}
	other := filepath.Join(dir, "other.db")
	b, err := bolt.Open(other, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "records", "pkgs", "links"} {
			tx.CreateBucket([]byte(name))
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("0"))
	})
	b.Close()
	if _, err := vulndb.Open(other); !errors.Is(err, vulndb.ErrSchema) || !strings.Contains(err.Error(), "vigil db update") {
		t.Errorf("other schema: %v", err)
	}
}

func TestOpenReaderSurvivesUpdate(t *testing.T) {
	s := newServer(t, mirror)
	path := filepath.Join(t.TempDir(), "vigil.db")
	if _, err := update(t, s, path, func(o *vulndb.UpdateOptions) { o.Ecosystems = []string{"Debian"} }); err != nil {
		t.Fatal(err)
	}
	old := open(t, path)
	if _, err := update(t, s, path, func(o *vulndb.UpdateOptions) { o.Ecosystems = []string{"Go"} }); err != nil {
		t.Fatal(err)
	}
	if got, err := old.Affecting("Debian:12", "zlib"); err != nil || len(got) == 0 {
		t.Errorf("the open database stopped working: %v %v", got, err)
	}
	if got, _ := open(t, path).Affecting("Debian:12", "zlib"); len(got) != 0 {
		t.Errorf("the new database has Debian records: %v", ids(got))
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	tr := readTruth(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "a", "vigil.db")
	if _, _, err := vulndb.Import(context.Background(), []string{mirror}, vulndb.ImportOptions{Path: src}); err != nil {
		t.Fatal(err)
	}
	db := open(t, src)
	checkLookups(t, db, tr)
	var export bytes.Buffer
	if err := vulndb.Export(db, &export); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "site.zip")
	os.WriteFile(file, export.Bytes(), 0o644)

	dst := filepath.Join(dir, "b", "vigil.db")
	st, warnings, err := vulndb.Import(context.Background(), []string{file}, vulndb.ImportOptions{Path: dst})
	if err != nil || len(warnings) != 0 {
		t.Fatal(err, warnings)
	}
	imported := open(t, dst)
	checkLookups(t, imported, tr)
	want, _ := db.Status()
	ignore := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Built" || p.Last().String() == ".Path" }, cmp.Ignore())
	if diff := cmp.Diff(want, st, ignore); diff != "" {
		t.Errorf("imported status (-exported +imported):\n%s", diff)
	}

	// A record changed in transit is refused, and the database kept.
	os.WriteFile(file, tamper(t, export.Bytes(), "records/GO-2020-0015.json"), 0o644)
	if _, _, err := vulndb.Import(context.Background(), []string{file}, vulndb.ImportOptions{Path: dst}); err == nil || !strings.Contains(err.Error(), "GO-2020-0015.json: checksum mismatch") {
		t.Errorf("importing a tampered export: %v", err)
	}
	checkLookups(t, open(t, dst), tr)
}

// tamper rewrites the zip with one entry's content changed.
func tamper(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		entries[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if entries[name] == nil {
		t.Fatalf("no %s in the zip", name)
	}
	entries[name] = bytes.Replace(entries[name], []byte(`"fixed":"0.3.3"`), []byte(`"fixed":"9.9.9"`), 1)
	return zipOf(t, entries)
}

func TestImportDirectoryAndMerge(t *testing.T) {
	dir := t.TempDir()
	jsonDir := filepath.Join(dir, "json")
	zr, err := zip.OpenReader(filepath.Join(mirror, "crates.io", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		sub := filepath.Join(jsonDir, f.Name[:len("RUSTSEC-2016")])
		os.MkdirAll(sub, 0o755)
		os.WriteFile(filepath.Join(sub, f.Name), data, 0o644)
	}
	n := len(zr.File)
	zr.Close()
	path := filepath.Join(dir, "db", "vigil.db")
	st, _, err := vulndb.Import(context.Background(), []string{filepath.Join(mirror, "Debian", "all.zip")}, vulndb.ImportOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	debian := st.Records
	st, _, err = vulndb.Import(context.Background(), []string{jsonDir}, vulndb.ImportOptions{Path: path, Merge: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != debian+n || len(st.Sources) != 2 || st.Ecosystems["crates.io"] != n {
		t.Errorf("merged status: %+v", st)
	}
	checkLookups := func(eco, name string) {
		if got, err := open(t, path).Affecting(eco, name); err != nil || len(got) == 0 {
			t.Errorf("Affecting(%s, %s) = %v, %v", eco, name, got, err)
		}
	}
	checkLookups("Debian:12", "zlib")
	checkLookups("crates.io", "smallvec")
	// Without Merge, the import replaces the database.
	st, _, err = vulndb.Import(context.Background(), []string{jsonDir}, vulndb.ImportOptions{Path: path})
	if err != nil || st.Records != n {
		t.Errorf("replacing import: %d records, %v", st.Records, err)
	}
}

func TestNormalizeName(t *testing.T) {
	for _, tc := range [][3]string{
		{"PyPI", "Jw_Util", "jw-util"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "A__b-.c", "a-b-c"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"Packagist", "Symfony/Http-Kernel", "symfony/http-kernel"},
		{"Maven", "org.Foo:Bar", "org.Foo:Bar"},
		{"npm", "JSONStream", "JSONStream"},
		{"Debian:12", "libXrender", "libXrender"},
	} {
		if got := vulndb.NormalizeName(tc[0], tc[1]); got != tc[2] {
			t.Errorf("NormalizeName(%s, %s) = %s, want %s", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("VIGIL_CACHE_DIR", "/somewhere")
	if p, err := vulndb.DefaultPath(); err != nil || p != "/somewhere/db/vigil.db" {
		t.Errorf("DefaultPath() = %s, %v", p, err)
	}
}
