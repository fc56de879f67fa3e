package javascript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// packageJSON is the part of a package.json that says what the package is.
// Fields are kept raw: a field of an unexpected type must not hide the
// others.
type packageJSON struct {
	Name     json.RawMessage `json:"name"`
	Version  json.RawMessage `json:"version"`
	License  json.RawMessage `json:"license"`
	Licenses json.RawMessage `json:"licenses"`
}

// parsePackageJSON reads an installed package's package.json. It reports
// ok=false, without an error, for a file that is valid JSON but not a
// package (no name or version: test fixtures, sub-package markers such as
// {"type": "module"}), and an error for malformed JSON.
func parsePackageJSON(data []byte) (r record, ok bool, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM is common enough
	var pj packageJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return record{}, false, fmt.Errorf("malformed package.json: %v", err)
	}
	r.Name, r.Version = jsonString(pj.Name), jsonString(pj.Version)
	if !validName(r.Name) || !validVersion(r.Version) {
		return record{}, false, nil
	}
	r.Licenses = declaredLicenses(pj.License, pj.Licenses)
	return r, true, nil
}

// jsonString returns the string a raw JSON value holds, or "".
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// declaredLicenses reads "license", a string (an SPDX expression) or, in
// old packages, an object {"type": ..., "url": ...}, and the deprecated
// "licenses", an array of such objects or strings (or a single object).
func declaredLicenses(license, licenses json.RawMessage) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" || len(s) > 1024 {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	one := func(raw json.RawMessage) {
		if s := jsonString(raw); s != "" {
			add(s)
			return
		}
		var obj struct {
			Type json.RawMessage `json:"type"`
		}
		if json.Unmarshal(raw, &obj) == nil {
			add(jsonString(obj.Type))
		}
	}
	if len(license) > 0 {
		one(license)
	}
	if len(licenses) > 0 {
		var arr []json.RawMessage
		if json.Unmarshal(licenses, &arr) == nil {
			for _, raw := range arr {
				one(raw)
			}
		} else {
			one(licenses)
		}
	}
	return out
}
