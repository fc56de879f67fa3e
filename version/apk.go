package version

import (
	"errors"
	"strings"

	apkversion "github.com/knqyf263/go-apk-version"
)

// apk compares Alpine versions with go-apk-version, the tokenizer of
// apk-tools 2.
var apk = comparer[apkversion.Version]{
	name:  "apk",
	parse: parseApk,
	cmp:   func(a, b apkversion.Version) int { return a.Compare(b) },
}

// maxApkDigits is the longest run of digits whose value fits the int that
// go-apk-version accumulates it in; a longer run would wrap around.
const maxApkDigits = 18

// parseApk gives a version without a package release its implicit "-r0".
// Without it go-apk-version orders "1.0_alpha1" after "1.0" (its leading-
// zero token then expects a digit, not the end), against the documented
// _alpha < _beta < _pre < _rc < release order; with it the order is right
// and "1.0" equals "1.0-r0", as pkgrel defaults to 0.
func parseApk(s string) (apkversion.Version, error) {
	if longestDigitRun(s) > maxApkDigits {
		return "", errors.New("number too large")
	}
	if !strings.Contains(s, "-") {
		s += "-r0"
	}
	return apkversion.NewVersion(s)
}

func longestDigitRun(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
