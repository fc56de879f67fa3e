package osv

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the record decoder and validator:
// it must not panic, and a record it accepts must survive re-encoding.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encoding an accepted record: %v", err)
		}
		w, err := Decode(again)
		if err != nil {
			t.Fatalf("re-decoding an accepted record: %v\n%s", err, again)
		}
		if w.ID != v.ID || len(w.Affected) != len(v.Affected) {
			t.Fatalf("round trip changed the record: %s", again)
		}
	})
}

// parseEvents reads the fuzzer's compact range syntax: space-separated
// tokens, the first letter the event (i introduced, f fixed, a
// last_affected, l limit), the rest its version.
func parseEvents(s string) []Event {
	var events []Event
	for tok := range strings.FieldsSeq(s) {
		val := tok[1:]
		switch tok[0] {
		case 'i':
			events = append(events, Event{Introduced: val})
		case 'f':
			events = append(events, Event{Fixed: val})
		case 'a':
			events = append(events, Event{LastAffected: val})
		case 'l':
			events = append(events, Event{Limit: val})
		}
	}
	return events
}

// FuzzEvaluate evaluates arbitrary ranges over integer versions: it must
// not panic, and a match must be explained by events that bound the
// version (introduced <= v < fixed, v <= last_affected, v < limit).
func FuzzEvaluate(f *testing.F) {
	f.Add("i0 f5", "3", "")
	f.Add("i1 f3 i7 f9", "8", "")
	f.Add("i0 a4", "4", "")
	f.Add("i2 l6", "5", "")
	f.Add("i2 l*", "50", "")
	f.Add("f5 i0", "x", "x")
	f.Fuzz(func(t *testing.T, events, version, listed string) {
		a := &Affected{
			Ranges:   []Range{{Type: RangeEcosystem, Events: parseEvents(events)}},
			Versions: strings.Fields(listed),
		}
		res, ok, err := a.Evaluate(version, intCmp)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("a match with an error: %v", err)
		}
		if res.Range == -1 {
			if res.Version != version {
				t.Fatalf("listed match names %q for %q", res.Version, version)
			}
			return
		}
		check := func(bound string, ok func(c int) bool) {
			if bound == "" || bound == "0" && bound == res.Introduced || strings.Contains(bound, "*") {
				return
			}
			c, err := intCmp(version, bound)
			if err != nil || !ok(c) {
				t.Fatalf("%s at %s: result %+v is not bounded by %s", events, version, res, bound)
			}
		}
		if res.Introduced == "" {
			t.Fatalf("%s at %s: a range match without an introduced event: %+v", events, version, res)
		}
		check(res.Introduced, func(c int) bool { return c >= 0 })
		check(res.Fixed, func(c int) bool { return c < 0 })
		check(res.LastAffected, func(c int) bool { return c <= 0 })
		check(res.Limit, func(c int) bool { return c < 0 })
	})
}
