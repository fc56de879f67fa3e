package secret

import (
	"bytes"
	"fmt"

	"github.com/vigil-dev/vigil/catalog/executable"
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// javaSummary starts what the Java cataloger's filter keeps of an archive
// (catalog/java summaryMagic, unexported): text that is not the archive's.
const javaSummary = "vigil java archive summary "

// Check reports the secrets in every version of every file that fsys
// captured, in every layer: the matches Filter kept while the layers
// streamed, and the secrets in the files catalogers kept whole, scanned
// here (at most opts.MaxLayerBytes per layer). layers are the image's
// layers (inventory.Inventory.Layers), for each finding's build
// instruction; nil for a directory.
//
// A secret is reported once per file, at the layer that added it. When
// the file no longer holds it, the message says which layer deleted or
// replaced the file: the secret still ships in the layer that added it.
func Check(fsys *layerfs.FS, layers []inventory.Layer, opts Options) []check.Finding {
	opts = opts.withDefaults()
	budget := map[int]int64{}
	var out []check.Finding
	for _, p := range fsys.Tracked() {
		out = append(out, checkFile(fsys, "/"+p, layers, opts, budget)...)
	}
	check.Sort(out)
	return out
}

// sighting is where a secret was seen in one file's history.
type sighting struct {
	m           Match
	first, last int // indexes in the file's history
}

// checkFile reports the secrets of one path's history.
func checkFile(fsys *layerfs.FS, file string, layers []inventory.Layer, opts Options, budget map[int]int64) []check.Finding {
	vs := fsys.History(file)
	var seen []*sighting
	byFP := map[string]*sighting{}
	for i, v := range vs {
		for _, m := range versionMatches(file, v, opts, budget) {
			fp := m.Fingerprint(file)
			if s := byFP[fp]; s != nil {
				s.last = i
				continue
			}
			s := &sighting{m: m, first: i, last: i}
			byFP[fp] = s
			seen = append(seen, s)
		}
	}
	var out []check.Finding
	for _, s := range seen {
		fp := s.m.Fingerprint(file)
		if opts.Allow.Allows(s.m.RuleID, file, fp) {
			continue
		}
		d := definition(s.m.RuleID)
		layer := vs[s.first].Layer
		ev := check.Evidence{File: file, Line: s.m.Line, Layer: layer, Snippet: s.m.Snippet}
		if layer < len(layers) {
			ev.CreatedBy = layers[layer].CreatedBy
		}
		f := check.New(d, message(fsys, file, d, s, vs), ev)
		f.Fingerprint = fp
		out = append(out, f)
	}
	return out
}

// versionMatches returns the matches of one version of a file: decoded
// when Filter reduced it, scanned when a cataloger kept it whole, none
// when it is deleted, binary, another filter's reduction, or over the
// layer's budget.
func versionMatches(file string, v layerfs.Version, opts Options, budget map[int]int64) []Match {
	if v.Deleted || len(v.Data) == 0 {
		return nil
	}
	if ms, err := Decode(v.Data); err != ErrNotEncoded {
		return ms // nil when malformed: a hostile file cannot forge much
	}
	if _, err := executable.Decode(v.Data); err == nil || bytes.HasPrefix(v.Data, []byte(javaSummary)) || IsBinary(v.Data) {
		return nil
	}
	n := min(int64(len(v.Data)), opts.MaxFileSize)
	if budget[v.Layer]+n > opts.MaxLayerBytes {
		return nil
	}
	budget[v.Layer] += n
	return scan(file, v.Data, opts)
}

// message says what was found and, when the file no longer holds it,
// which layer removed it.
func message(fsys *layerfs.FS, file string, d *check.Definition, s *sighting, vs []layerfs.Version) string {
	msg := fmt.Sprintf("%s in %s", d.Title, file)
	if s.m.Detail != "" {
		msg += " (" + s.m.Detail + ")"
	}
	msg += fmt.Sprintf(", added in layer %d", vs[s.first].Layer)
	if s.last == len(vs)-1 {
		return msg
	}
	next := vs[s.last+1]
	if info, err := fsys.Lstat(file); next.Deleted && (err != nil || info.Layer != next.Layer) {
		return msg + fmt.Sprintf(", deleted in layer %d (the secret still ships in layer %d)", next.Layer, vs[s.first].Layer)
	}
	return msg + fmt.Sprintf(", replaced in layer %d (the secret still ships in layer %d)", next.Layer, vs[s.first].Layer)
}
