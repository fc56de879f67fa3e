package version

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readTriples reads "A B RESULT" lines of a testdata file.
func readTriples(t testing.TB, name string) [][3]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][3]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			t.Fatalf("%s: bad line %q", name, sc.Text())
		}
		out = append(out, [3]string{fields[0], fields[1], fields[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 1000 {
		t.Fatalf("%s: only %d lines", name, len(out))
	}
	return out
}

// checkCorpus requires c to give the recorded verdict on every line: a
// number (-1, 0, 1), a relation (<, =, >), or "invalid".
func checkCorpus(t *testing.T, c Comparer, name string) {
	t.Helper()
	lines := readTriples(t, name)
	bad := 0
	for _, l := range lines {
		a, b, want := l[0], l[1], l[2]
		if len(l[1]) == 1 && strings.Contains("<=>", l[1]) {
			a, b, want = l[0], l[2], strconv.Itoa(strings.Index("<=>", l[1])-1)
		}
		got, err := c.Compare(a, b)
		switch {
		case want == "invalid" && errors.Is(err, ErrInvalid):
			continue
		case want == "invalid":
			t.Errorf("Compare(%q, %q) = %d, %v; want an invalid-version error", a, b, got, err)
		case err != nil:
			t.Errorf("Compare(%q, %q): %v; want %s", a, b, err, want)
		case strconv.Itoa(got) != want:
			t.Errorf("Compare(%q, %q) = %d; want %s", a, b, got, want)
		default:
			continue
		}
		if bad++; bad > 20 {
			t.Fatal("too many disagreements")
		}
	}
	t.Logf("%s: %d of %d verdicts agree", name, len(lines)-bad, len(lines))
}

func TestDpkgAgreesWithDpkg(t *testing.T) { checkCorpus(t, dpkg, "dpkg.txt") }

func TestRpmAgreesWithRpm(t *testing.T) { checkCorpus(t, rpm, "rpm.txt") }

func TestApkAgreesWithApkTools(t *testing.T) { checkCorpus(t, apk, "apk.txt") }

// TestApkOSVFixedVersions requires every "fixed" version of the Alpine OSV
// export to be valid but the few malformed ones that secdb really holds.
func TestApkOSVFixedVersions(t *testing.T) {
	data, err := os.ReadFile("testdata/apk-osv-fixed.txt")
	if err != nil {
		t.Fatal(err)
	}
	var invalid []string
	versions := strings.Fields(string(data))
	for _, v := range versions {
		if _, err := apk.Compare(v, v); err != nil {
			invalid = append(invalid, v)
		}
	}
	t.Logf("%d versions, invalid: %q", len(versions), invalid)
	if len(versions) != 4199 || len(invalid) > 0 {
		t.Errorf("%d of %d versions invalid: %q", len(invalid), len(versions), invalid)
	}
}

func TestMavenAgreesWithComparableVersion(t *testing.T) { checkCorpus(t, maven, "maven.txt") }

func TestPEP440AgreesWithPackaging(t *testing.T) { checkCorpus(t, pep440, "pypi.txt") }

func TestRubyGemsAgreesWithGemVersion(t *testing.T) { checkCorpus(t, rubygems, "rubygems.txt") }

func TestComposerAgreesWithComposer(t *testing.T) { checkCorpus(t, composer, "packagist.txt") }
