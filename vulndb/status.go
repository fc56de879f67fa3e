package vulndb

import "time"

// Status describes a database. It is stored in the database when it is
// built; Status.Path is filled in when it is read.
type Status struct {
	// Path is the database file.
	Path string `json:"-"`
	// Schema is the store's SchemaVersion.
	Schema int `json:"schema"`
	// Built is when the database was written.
	Built time.Time `json:"built"`
	// Records counts the records stored, withdrawn ones included, and
	// Withdrawn those withdrawn.
	Records   int `json:"records"`
	Withdrawn int `json:"withdrawn"`
	// Ecosystems counts, per OSV ecosystem ("Debian:12", "Go", ...), the
	// records with an affected entry in it.
	Ecosystems map[string]int `json:"ecosystems"`
	// Newest is the newest `modified` time of any record: the age of the
	// data. Zero when no record carries one.
	Newest time.Time `json:"newest,omitzero"`
	// Sources are the inputs the database was built from.
	Sources []Source `json:"sources"`
}

// Source is one input of a database: an ecosystem's all.zip from the OSV
// exports or a mirror, or a file or directory imported.
type Source struct {
	// Name identifies the source: the OSV ecosystem for an all.zip export
	// ("Debian", "PyPI"), else the path imported.
	Name string `json:"name"`
	// URL is where the data was downloaded from, or the file imported.
	URL string `json:"url,omitempty"`
	// ETag and LastModified are the HTTP validators of the download, sent
	// back by the next update as a conditional request.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	// Fetched is when the data was downloaded or read.
	Fetched time.Time `json:"fetched,omitzero"`
	// Records, Withdrawn, Ecosystems and Newest are as in Status, for the
	// records this source contributed (a record found in several sources
	// is counted in the one whose copy was kept: the newest).
	Records    int            `json:"records"`
	Withdrawn  int            `json:"withdrawn"`
	Ecosystems map[string]int `json:"ecosystems,omitempty"`
	Newest     time.Time      `json:"newest,omitzero"`
	// Skipped counts the records that failed validation and were left out.
	Skipped int `json:"skipped"`
}

// Stale reports whether the database was built more than MaxAge before now.
func (s Status) Stale(now time.Time) bool { return now.Sub(s.Built) > MaxAge }
