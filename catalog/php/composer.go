package php

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Record is one package of an installed.json or a composer.lock.
type Record struct {
	Name     string
	Version  string
	Licenses []string
	Dev      bool
}

// entry is the part of a package object that the cataloger reads; the
// objects are the same in installed.json and composer.lock (Composer's
// ArrayDumper writes both).
type entry struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	License licenses `json:"license"`
}

// licenses is a "license" value: an array of strings as Composer writes
// it, or the single string a composer.json may hold.
type licenses []string

// UnmarshalJSON keeps the strings of a string or an array, and ignores
// any other value rather than failing the whole file.
func (l *licenses) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = licenses{one}
		return nil
	}
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	for _, r := range raw {
		if json.Unmarshal(r, &one) == nil && one != "" && len(*l) < maxLicenses {
			*l = append(*l, one)
		}
	}
	return nil
}

// maxLicenses bounds the licenses kept for one package.
const maxLicenses = 64

// ParseInstalledJSON reads vendor/composer/installed.json in either of the
// formats Composer's FilesystemRepository reads: Composer 2's object
// {"packages": [...], "dev": bool, "dev-package-names": [...]} or Composer
// 1's bare array of packages. A package is Dev when Composer 2 lists it in
// dev-package-names (the require-dev packages that are really installed:
// it writes them only in dev mode); Composer 1 does not record it.
func ParseInstalledJSON(data []byte) ([]Record, []string, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var pkgs []entry
		problems, err := decode(data, &pkgs, "installed.json")
		if err != nil {
			return nil, nil, err
		}
		recs, problems := records(pkgs, nil, problems)
		return recs, problems, nil
	}
	var v2 struct {
		Packages        *[]entry `json:"packages"`
		DevPackageNames []string `json:"dev-package-names"`
	}
	problems, err := decode(data, &v2, "installed.json")
	if err != nil {
		return nil, nil, err
	}
	if v2.Packages == nil {
		return nil, nil, errors.New("malformed installed.json: no packages list")
	}
	dev := make(map[string]bool, len(v2.DevPackageNames))
	for _, n := range v2.DevPackageNames {
		dev[n] = true
	}
	recs, problems := records(*v2.Packages, func(name string) bool { return dev[name] }, problems)
	return recs, problems, nil
}

// ParseComposerLock reads a composer.lock: "packages", and
// "packages-dev" as Dev.
func ParseComposerLock(data []byte) ([]Record, []string, error) {
	var lock struct {
		Packages    []entry `json:"packages"`
		PackagesDev []entry `json:"packages-dev"`
	}
	problems, err := decode(data, &lock, "composer.lock")
	if err != nil {
		return nil, nil, err
	}
	recs, problems := records(lock.Packages, nil, problems)
	dev, problems := records(lock.PackagesDev, func(string) bool { return true }, problems)
	return append(recs, dev...), problems, nil
}

// decode unmarshals data into v. A value of the wrong type is skipped and
// reported as a problem, the rest decoded; malformed JSON (including JSON
// nested more than 10,000 levels deep, which encoding/json refuses) is an
// error.
func decode(data []byte, v any, what string) ([]string, error) {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &typeErr):
		return []string{fmt.Sprintf("%s: %v", what, err)}, nil
	default:
		return nil, fmt.Errorf("malformed %s: %v", what, err)
	}
}

// maxProblems bounds the problems reported for one file.
const maxProblems = 20

// records keeps the entries with a valid name and version, and adds what
// is wrong with the others to problems.
func records(pkgs []entry, dev func(string) bool, problems []string) ([]Record, []string) {
	var out []Record
	for i, p := range pkgs {
		if !validName(p.Name) || !validVersion(p.Version) {
			if len(problems) < maxProblems {
				problems = append(problems, fmt.Sprintf("package %d: invalid name or version %q %q", i, trim(p.Name), trim(p.Version)))
			}
			continue
		}
		out = append(out, Record{Name: p.Name, Version: p.Version, Licenses: p.License, Dev: dev != nil && dev(p.Name)})
	}
	return out, problems
}

// validName accepts "vendor/name": Composer 2 requires it
// (^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$), and
// Composer 1 warned about anything else; the check here is looser (any
// case, no rule on separators) but keeps the shape a package URL needs.
func validName(s string) bool {
	vendor, name, ok := strings.Cut(s, "/")
	if !ok || vendor == "" || name == "" || len(s) > 256 {
		return false
	}
	for _, c := range []byte(vendor + name) {
		if c != '.' && c != '-' && c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validVersion accepts the versions Composer writes: release versions
// ("2.7.6", "v2.0.1", "2.0.0-beta.1"), branches ("dev-main", "1.x-dev")
// and the like, without spaces or control characters.
func validVersion(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c == 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// trim shortens a value quoted in a problem.
func trim(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
