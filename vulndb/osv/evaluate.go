package osv

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Compare orders two versions of one ecosystem: negative when a < b, zero
// when they are equal, positive when a > b, and an error when either cannot
// be parsed by the ecosystem's rules.
type Compare func(a, b string) (int, error)

// Result says why a version is affected: which range and which events
// decided, or which entry of the explicit versions list.
type Result struct {
	// Range is the index in Affected.Ranges of the range that includes the
	// version, or -1 when the version is listed in Affected.Versions.
	Range int
	// Type is the range's type (ECOSYSTEM or SEMVER); empty for a listed
	// version.
	Type string
	// Introduced is the introduced event the version is at or after ("0"
	// when every version before the fix is affected).
	Introduced string
	// Fixed is the first fixed event after Introduced, if there is one.
	Fixed string
	// LastAffected is the first last_affected event after Introduced, if
	// there is one.
	LastAffected string
	// Limit is the limit event the version is below, when the range has
	// limit events.
	Limit string
	// Version is the listed version that equals the version evaluated,
	// when Range is -1.
	Version string
}

// Evaluate reports whether version is affected, following the evaluation
// algorithm of the OSV schema (section "Evaluation"): the version is
// affected when it equals an entry of Versions, or when, for some range
// whose limits it is below, walking the range's events sorted by version
// leaves it vulnerable (introduced <= v opens, fixed <= v closes,
// last_affected < v closes).
//
// cmp orders versions for both ECOSYSTEM and SEMVER ranges: the caller
// passes the ecosystem's comparator, which for the ecosystems that publish
// SEMVER ranges (Go, crates.io, npm) is SemVer's order. GIT ranges need a
// repository's commit graph and are ignored. The introduced value "0" and
// limit values containing "*" are never passed to cmp.
//
// When cmp fails on a range, the other ranges are still evaluated: a match
// elsewhere is returned without an error; otherwise the error is returned,
// so that a version that cannot be compared is never silently unaffected.
func (a *Affected) Evaluate(version string, cmp Compare) (Result, bool, error) {
	cmp = zeroFirst(cmp)
	if slices.Contains(a.Versions, version) {
		return Result{Range: -1, Version: version}, true, nil
	}
	var errs []error
	for i, r := range a.Ranges {
		if r.Type == RangeGit {
			continue
		}
		res, ok, err := r.evaluate(version, cmp)
		if err != nil {
			errs = append(errs, fmt.Errorf("range %d: %w", i, err))
			continue
		}
		if ok {
			res.Range = i
			return res, true, nil
		}
	}
	return Result{}, false, errors.Join(errs...)
}

// evaluate is the schema's IncludedInRanges for one range.
func (r *Range) evaluate(v string, cmp Compare) (Result, bool, error) {
	limit, ok, err := r.beforeLimits(v, cmp)
	if err != nil || !ok {
		return Result{}, false, err
	}
	events, err := sortEvents(r.Events, cmp)
	if err != nil {
		return Result{}, false, err
	}
	vulnerable, opened := false, -1
	for i, e := range events {
		var c int
		switch {
		case e.Introduced == "0":
			vulnerable, opened = true, i
		case e.Introduced != "":
			if c, err = cmp(v, e.Introduced); c >= 0 && err == nil {
				vulnerable, opened = true, i
			}
		case e.Fixed != "":
			if c, err = cmp(v, e.Fixed); c >= 0 {
				vulnerable = false
			}
		case e.LastAffected != "":
			if c, err = cmp(v, e.LastAffected); c > 0 {
				vulnerable = false
			}
		}
		if err != nil {
			return Result{}, false, err
		}
	}
	if !vulnerable {
		return Result{}, false, nil
	}
	res := Result{Type: r.Type, Introduced: events[opened].Introduced, Limit: limit}
	for _, e := range events[opened+1:] {
		if e.Fixed != "" || e.LastAffected != "" {
			res.Fixed, res.LastAffected = e.Fixed, e.LastAffected
			break
		}
	}
	return res, true, nil
}

// beforeLimits is the schema's BeforeLimits: true when the range has no
// limit event, or v is below one of them. It also returns that limit.
func (r *Range) beforeLimits(v string, cmp Compare) (string, bool, error) {
	seen := false
	for _, e := range r.Events {
		if e.Limit == "" {
			continue
		}
		seen = true
		if isInfinite(e.Limit) {
			return e.Limit, true, nil
		}
		c, err := cmp(v, e.Limit)
		if err != nil {
			return "", false, err
		}
		if c < 0 {
			return e.Limit, true, nil
		}
	}
	return "", !seen, nil
}

// sortEvents returns the events sorted by version, stably: introduced "0"
// sorts before every version and a limit containing "*" after every one.
func sortEvents(events []Event, cmp Compare) ([]Event, error) {
	sorted := slices.Clone(events)
	var firstErr error
	slices.SortStableFunc(sorted, func(x, y Event) int {
		c, err := compareEvents(x, y, cmp)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return c
	})
	return sorted, firstErr
}

func compareEvents(x, y Event, cmp Compare) (int, error) {
	rx, ry := eventRank(x), eventRank(y)
	if rx != 0 || ry != 0 {
		return rx - ry, nil
	}
	return cmp(x.value(), y.value())
}

// eventRank places the special values: -1 for introduced "0", 1 for an
// infinite limit, 0 for an ordinary version.
func eventRank(e Event) int {
	switch {
	case e.Introduced == "0":
		return -1
	case e.Limit != "" && isInfinite(e.Limit):
		return 1
	}
	return 0
}

func isInfinite(limit string) bool { return strings.Contains(limit, "*") }

// zeroFirst wraps cmp so that "0" is below every other version in any
// event, as the schema defines it for introduced. Real records also write
// it elsewhere (GitLab-derived ones say `fixed: "0"`, fixed from the
// start), in ecosystems where "0" is no valid version (npm's SemVer).
func zeroFirst(cmp Compare) Compare {
	return func(a, b string) (int, error) {
		switch {
		case a == "0" && b == "0":
			return 0, nil
		case a == "0":
			return -1, nil
		case b == "0":
			return 1, nil
		}
		return cmp(a, b)
	}
}

// value is the event's version, whichever field holds it.
func (e Event) value() string {
	for _, s := range [...]string{e.Introduced, e.Fixed, e.LastAffected} {
		if s != "" {
			return s
		}
	}
	return e.Limit
}
