package severity

import (
	"errors"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// CVSS is the base score of a CVSS vector.
type CVSS struct {
	Version string  // "2.0", "3.0", "3.1" or "4.0"
	Score   float64 // the base score (for v4.0, CVSS-B)
	Level   Level   // the score on the version's qualitative scale
}

// maxVectorLen bounds the vectors parsed; the longest valid v4.0 vector
// with every metric is under 200 bytes.
const maxVectorLen = 512

// ErrVector is returned for a vector that is not a valid CVSS vector.
var ErrVector = errors.New("severity: invalid CVSS vector")

// ScoreCVSS computes the base score of a CVSS v2.0, v3.0, v3.1 or v4.0
// vector. A v2 vector has no prefix (NVD's "(AV:N/...)" parentheses are
// accepted); the others start with "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/".
func ScoreCVSS(vector string) (CVSS, error) {
	vector = strings.TrimSpace(vector)
	if len(vector) > maxVectorLen {
		return CVSS{}, ErrVector
	}
	var c CVSS
	var err error
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		c.Version = "4.0"
		c.Score, err = base40(vector)
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		var v *gocvss31.CVSS31
		if v, err = gocvss31.ParseVector(vector); err == nil {
			c.Version, c.Score = "3.1", v.BaseScore()
		}
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		var v *gocvss30.CVSS30
		if v, err = gocvss30.ParseVector(vector); err == nil {
			c.Version, c.Score = "3.0", v.BaseScore()
		}
	default:
		var v *gocvss20.CVSS20
		if v, err = gocvss20.ParseVector(strings.TrimSuffix(strings.TrimPrefix(vector, "("), ")")); err == nil {
			c.Version, c.Score = "2.0", v.BaseScore()
		}
	}
	if err != nil {
		return CVSS{}, errors.Join(ErrVector, err)
	}
	if c.Score < 0 || c.Score > 10 {
		return CVSS{}, ErrVector
	}
	c.Level = levelOf(c.Version, c.Score)
	return c, nil
}

// nonBase40 are the v4.0 threat and environmental metrics.
var nonBase40 = []string{"E", "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA"}

// base40 scores the base metrics of a v4.0 vector (CVSS-B).
func base40(vector string) (float64, error) {
	v, err := gocvss40.ParseVector(vector)
	if err != nil {
		return 0, err
	}
	for _, m := range nonBase40 {
		if err := v.Set(m, "X"); err != nil {
			return 0, err
		}
	}
	return v.Score(), nil
}

// levelOf maps a score to a level: NVD's scale for v2, the CVSS
// specification's qualitative rating scale for v3.x and v4.0.
func levelOf(version string, score float64) Level {
	if version == "2.0" {
		switch {
		case score >= 7.0:
			return High
		case score >= 4.0:
			return Medium
		}
		return Low
	}
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score >= 0.1:
		return Low
	}
	return Negligible
}
