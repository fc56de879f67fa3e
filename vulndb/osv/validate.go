package osv

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error Validate and Decode return for a
// record that is well-formed JSON but not a usable OSV record.
var ErrInvalid = errors.New("invalid OSV record")

// Decode parses one OSV JSON record and validates it. A syntax error is
// returned as is (the data is corrupt); a structural problem wraps
// ErrInvalid (the record is unusable but the data around it may be fine).
func Decode(data []byte) (*Vulnerability, error) {
	var v Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("failed to decode OSV record: %w", err)
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return &v, nil
}

// Validate checks the structure the evaluation algorithm relies on: an id;
// a package for every affected entry that has non-GIT ranges; ranges of a
// known type, each with events, at least one introduced event, exactly one
// field per event, and not both fixed and last_affected. Whether fixed
// comes after introduced needs an ecosystem's comparator and is not checked.
func (v *Vulnerability) Validate() error {
	if v.ID == "" {
		return fmt.Errorf("%w: no id", ErrInvalid)
	}
	for i := range v.Affected {
		if err := v.Affected[i].validate(); err != nil {
			return fmt.Errorf("%w %s: affected[%d]: %w", ErrInvalid, v.ID, i, err)
		}
	}
	return nil
}

func (a *Affected) validate() error {
	gitOnly := len(a.Versions) == 0
	for i, r := range a.Ranges {
		if err := r.validate(); err != nil {
			return fmt.Errorf("ranges[%d]: %w", i, err)
		}
		gitOnly = gitOnly && r.Type == RangeGit
	}
	if !gitOnly && (a.Package.Ecosystem == "" || a.Package.Name == "") {
		return errors.New("package has no ecosystem or no name")
	}
	return nil
}

func (r *Range) validate() error {
	switch r.Type {
	case RangeEcosystem, RangeSemver:
	case RangeGit:
		if r.Repo == "" {
			return errors.New("GIT range without repo")
		}
	default:
		return fmt.Errorf("unknown range type %q", r.Type)
	}
	var introduced, fixed, lastAffected bool
	for i, e := range r.Events {
		if e.fields() != 1 {
			return fmt.Errorf("event %d: want exactly one of introduced, fixed, last_affected, limit", i)
		}
		introduced = introduced || e.Introduced != ""
		fixed = fixed || e.Fixed != ""
		lastAffected = lastAffected || e.LastAffected != ""
	}
	switch {
	case !introduced:
		return errors.New("no introduced event")
	case fixed && lastAffected:
		return errors.New("both fixed and last_affected events")
	}
	return nil
}

// fields counts the event's non-empty fields.
func (e Event) fields() int {
	n := 0
	for _, s := range [...]string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
		if s != "" {
			n++
		}
	}
	return n
}
