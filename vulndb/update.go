package vulndb

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultSource is the base URL of the OSV project's exports.
const DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the OSV export ecosystems Update downloads by
// default: those vigil catalogs packages of.
var DefaultEcosystems = []string{
	"Debian", "Ubuntu", "Alpine", "Red Hat", "Rocky Linux", "AlmaLinux",
	"Go", "npm", "PyPI", "Maven", "RubyGems", "crates.io", "Packagist", "NuGet",
}

// UpdateOptions configure Update. The zero value updates the default
// database from the live OSV exports (or $VIGIL_DB_SOURCE).
type UpdateOptions struct {
	// Path is the database to replace (default DefaultPath()). The
	// downloaded zips are kept in sources/ beside it for conditional
	// requests.
	Path string
	// Source is the base URL: Update fetches <Source>/<Ecosystem>/all.zip.
	// Default: $VIGIL_DB_SOURCE, else DefaultSource.
	Source string
	// Ecosystems are the top-level OSV ecosystems to fetch (default
	// DefaultEcosystems).
	Ecosystems []string
	// Client makes the requests (default: a client whose connections time
	// out after 30 s without progress; no overall timeout, use ctx).
	Client *http.Client
	// Retries is how many times a download is retried after a 5xx, a 429,
	// a transport error or an interrupted body (default 4, negative for
	// none); Backoff is the first wait, doubled each time (default 1 s).
	Retries int
	Backoff time.Duration
	// Limits bound each download and what is read from it.
	Limits Limits
	// Progress, if set, is called as each ecosystem downloads and imports.
	Progress func(Progress)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Progress reports the state of one ecosystem during Update.
type Progress struct {
	Ecosystem string
	// Phase is "download", "not modified", "missing" (404) or "import".
	Phase string
	// Done and Total are bytes downloaded and expected (Total is -1 when
	// the server does not say).
	Done, Total int64
}

// UpdateResult tells what Update did.
type UpdateResult struct {
	// Status is the new database's.
	Status Status
	// Downloaded, NotModified and Missing list the ecosystems fetched anew,
	// reused after a 304, and not found (404) at the source.
	Downloaded, NotModified, Missing []string
	// Warnings are the records skipped and the ecosystems missing.
	Warnings []string
}

// EcosystemError is the failure of one ecosystem in an Update.
type EcosystemError struct {
	Ecosystem string
	Err       error
}

func (e *EcosystemError) Error() string { return e.Ecosystem + ": " + e.Err.Error() }

func (e *EcosystemError) Unwrap() error { return e.Err }

// withDefaults fills in the zero fields.
func (opts UpdateOptions) withDefaults() (UpdateOptions, error) {
	var err error
	if opts.Path, err = resolvePath(opts.Path); err != nil {
		return opts, err
	}
	if opts.Source == "" {
		opts.Source = os.Getenv("VIGIL_DB_SOURCE")
	}
	if opts.Source == "" {
		opts.Source = DefaultSource
	}
	opts.Source = strings.TrimSuffix(opts.Source, "/")
	if len(opts.Ecosystems) == 0 {
		opts.Ecosystems = DefaultEcosystems
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 30 * time.Second,
			TLSHandshakeTimeout:   30 * time.Second,
		}}
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = 4
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Progress == nil {
		opts.Progress = func(Progress) {}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Limits = opts.Limits.withDefaults()
	return opts, nil
}

// Update downloads <Source>/<Ecosystem>/all.zip for each ecosystem, with
// conditional requests (a 304 reuses the zip kept from the previous
// update), retries with exponential backoff, size limits and integrity
// checks (Content-Length, the zip's structure and checksums, every record
// decoding), builds a new database from them and atomically replaces the
// old one. A 404 is a warning: that ecosystem is left out. Any other
// failure leaves the previous database and kept zips as they were and
// returns EcosystemErrors naming the ecosystems that failed.
func Update(ctx context.Context, opts UpdateOptions) (UpdateResult, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return UpdateResult{}, err
	}
	dir := filepath.Join(filepath.Dir(opts.Path), "sources")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return UpdateResult{}, fmt.Errorf("failed to create %s: %w", dir, err)
	}
	u := &updater{opts: opts, dir: dir}
	defer u.cleanup()
	var errs []error
	for _, eco := range opts.Ecosystems {
		if err := u.fetch(ctx, eco); err != nil {
			errs = append(errs, &EcosystemError{Ecosystem: eco, Err: err})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return UpdateResult{}, fmt.Errorf("update failed, the previous database is unchanged: %w", err)
	}
	if len(u.res.Downloaded)+len(u.res.NotModified) == 0 {
		// A mistyped --source must not replace a working database by an
		// empty one.
		return UpdateResult{}, fmt.Errorf("update failed, the previous database is unchanged: none of %s found at %s", strings.Join(opts.Ecosystems, ", "), opts.Source)
	}
	st, warnings, err := u.build(ctx)
	if err != nil {
		return UpdateResult{}, fmt.Errorf("update failed, the previous database is unchanged: %w", err)
	}
	u.res.Status = st
	u.res.Warnings = append(u.res.Warnings, warnings...)
	u.promote()
	return u.res, nil
}

// updater holds one Update's state.
type updater struct {
	opts    UpdateOptions
	dir     string
	fetched []fetched
	res     UpdateResult
}

// fetched is one ecosystem's data for the build.
type fetched struct {
	eco  string
	zip  string // the zip to import: a fresh download or the kept one
	meta keptMeta
	temp bool // zip is a fresh download, to be kept after the build
}

// keptMeta describes a kept zip, in <eco>.json beside <eco>.zip.
type keptMeta struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lastModified,omitempty"`
	Fetched      time.Time `json:"fetched"`
	SHA256       string    `json:"sha256"`
}

func (u *updater) keptPaths(eco string) (zipPath, metaPath string) {
	base := filepath.Join(u.dir, url.PathEscape(eco))
	return base + ".zip", base + ".json"
}

// kept returns the metadata of the zip kept for eco, if it is intact.
func (u *updater) kept(eco string) (keptMeta, bool) {
	zipPath, metaPath := u.keptPaths(eco)
	raw, err := os.ReadFile(metaPath)
	if err != nil {
		return keptMeta{}, false
	}
	var m keptMeta
	if json.Unmarshal(raw, &m) != nil {
		return keptMeta{}, false
	}
	sum, err := fileSHA256(zipPath)
	return m, err == nil && sum == m.SHA256
}

// retryable marks the failures worth another attempt: 5xx and 429
// responses, transport errors, interrupted or truncated downloads.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }

func (r *retryable) Unwrap() error { return r.err }

// fetch gets one ecosystem's zip, retrying with exponential backoff.
func (u *updater) fetch(ctx context.Context, eco string) error {
	src := u.opts.Source + "/" + url.PathEscape(eco) + "/all.zip"
	old, ok := u.kept(eco)
	if !ok || old.URL != src {
		old = keptMeta{}
	}
	wait := u.opts.Backoff
	for attempt := 1; ; attempt++ {
		err := u.fetchOnce(ctx, eco, src, old)
		var r *retryable
		if err == nil || !errors.As(err, &r) {
			return err
		}
		if attempt > u.opts.Retries || ctx.Err() != nil {
			return fmt.Errorf("%w (after %d attempts)", err, attempt)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait *= 2
	}
}

// fetchOnce downloads one ecosystem's zip, or reuses the kept one on a 304.
func (u *updater) fetchOnce(ctx context.Context, eco, src string, old keptMeta) error {
	resp, err := u.try(ctx, src, old)
	if err != nil {
		return &retryable{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && old.SHA256 != "":
		u.opts.Progress(Progress{Ecosystem: eco, Phase: "not modified"})
		zipPath, _ := u.keptPaths(eco)
		u.fetched = append(u.fetched, fetched{eco: eco, zip: zipPath, meta: old})
		u.res.NotModified = append(u.res.NotModified, eco)
		return nil
	case resp.StatusCode == http.StatusNotFound:
		u.opts.Progress(Progress{Ecosystem: eco, Phase: "missing"})
		u.res.Missing = append(u.res.Missing, eco)
		u.res.Warnings = append(u.res.Warnings, fmt.Sprintf("%s: not found at %s (404), left out", eco, src))
		return nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return &retryable{fmt.Errorf("GET %s: %s", src, resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	tmp, sum, err := u.download(eco, resp)
	if err != nil {
		return fmt.Errorf("GET %s: %w", src, err)
	}
	meta := keptMeta{URL: src, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Fetched: u.opts.Now().UTC(), SHA256: sum}
	u.fetched = append(u.fetched, fetched{eco: eco, zip: tmp, meta: meta, temp: true})
	u.res.Downloaded = append(u.res.Downloaded, eco)
	return nil
}

func (u *updater) try(ctx context.Context, src string, old keptMeta) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	if old.ETag != "" {
		req.Header.Set("If-None-Match", old.ETag)
	}
	if old.LastModified != "" {
		req.Header.Set("If-Modified-Since", old.LastModified)
	}
	return u.opts.Client.Do(req)
}

// download writes the body to a temporary file in the sources directory,
// checking its length and that it is a readable zip, and returns the
// file's path and SHA-256.
func (u *updater) download(eco string, resp *http.Response) (string, string, error) {
	total := resp.ContentLength
	if total > u.opts.Limits.MaxDownload {
		return "", "", fmt.Errorf("%d bytes, over the download limit of %d", total, u.opts.Limits.MaxDownload)
	}
	f, err := os.CreateTemp(u.dir, ".download-*.zip")
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	pw := &progressWriter{eco: eco, total: total, report: u.opts.Progress}
	n, err := io.Copy(io.MultiWriter(f, h, pw), io.LimitReader(resp.Body, u.opts.Limits.MaxDownload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		err = &retryable{fmt.Errorf("download interrupted after %d bytes: %w", n, err)}
	case n > u.opts.Limits.MaxDownload:
		err = fmt.Errorf("over the download limit of %d bytes", u.opts.Limits.MaxDownload)
	case total >= 0 && n != total:
		err = &retryable{fmt.Errorf("truncated download: %d of %d bytes", n, total)}
	default:
		err = checkZip(f.Name())
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", err
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), nil
}

// checkZip reads a zip's central directory.
func checkZip(name string) error {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return fmt.Errorf("not a readable zip (corrupt or truncated): %w", err)
	}
	return zr.Close()
}

// build imports every fetched zip into a new database and installs it.
func (u *updater) build(ctx context.Context) (Status, []string, error) {
	b, err := NewBuilder(filepath.Dir(u.opts.Path))
	if err != nil {
		return Status{}, nil, err
	}
	defer b.Close()
	b.now = u.opts.Now
	for _, f := range u.fetched {
		u.opts.Progress(Progress{Ecosystem: f.eco, Phase: "import"})
		src := Source{Name: f.eco, URL: f.meta.URL, ETag: f.meta.ETag, LastModified: f.meta.LastModified, Fetched: f.meta.Fetched}
		if err := b.importZipFile(ctx, f.zip, src, u.opts.Limits); err != nil {
			return Status{}, nil, &EcosystemError{Ecosystem: f.eco, Err: err}
		}
	}
	st, err := b.Commit(u.opts.Path)
	return st, b.Warnings(), err
}

// promote keeps the fresh downloads for the next update's conditional
// requests and forgets ecosystems the source no longer has. Failures only
// cost a full download next time, so they are ignored.
func (u *updater) promote() {
	for i, f := range u.fetched {
		if !f.temp {
			continue
		}
		zipPath, metaPath := u.keptPaths(f.eco)
		os.Remove(metaPath)
		if os.Rename(f.zip, zipPath) != nil {
			continue
		}
		u.fetched[i].temp = false
		if raw, err := json.Marshal(f.meta); err == nil {
			writeFileAtomic(metaPath, raw)
		}
	}
	for _, eco := range u.res.Missing {
		zipPath, metaPath := u.keptPaths(eco)
		os.Remove(metaPath)
		os.Remove(zipPath)
	}
}

// cleanup removes downloads that were not kept.
func (u *updater) cleanup() {
	for _, f := range u.fetched {
		if f.temp {
			os.Remove(f.zip)
		}
	}
}

func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// progressWriter reports download progress every 256 KiB and at the end.
type progressWriter struct {
	eco         string
	done, total int64
	last        int64
	report      func(Progress)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.done-p.last >= 256<<10 || p.done == p.total {
		p.last = p.done
		p.report(Progress{Ecosystem: p.eco, Phase: "download", Done: p.done, Total: p.total})
	}
	return len(b), nil
}
