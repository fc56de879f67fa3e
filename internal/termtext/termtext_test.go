package termtext

import "testing"

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"libssl3":              "libssl3",
		"evil\x1b[2Jname":      "evil?[2Jn…",
		"rtl\u202Eexe.txt":     "rtl?exe.t…",
		"bad\xffutf8":          "bad?utf8",
		"a-very-long-name-xyz": "a-very-lo…",
		"exactly10!":           "exactly10!",
		"äöüäöüäöüß":           "äöüäöüäöüß",
		"äöüäöüäöüßx":          "äöüäöüäöü…",
		"a\x00b":               "a?b",
		"":                     "",
	} {
		if got := Cell(in, 10); got != want {
			t.Errorf("Cell(%q, 10) = %q, want %q", in, got, want)
		}
	}
}
