package java

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
)

// Limits bound the work on one Java archive, nested archives included: its
// content comes from the image. The zero value of a field means its
// default (DefaultLimits).
type Limits struct {
	// MaxDepth is how many levels of nested archives are read (a jar in
	// a war is level 1).
	MaxDepth int
	// MaxEntries bounds the entries of one archive's directory, checked
	// before archive/zip allocates them (about 250 bytes each).
	MaxEntries int
	// MaxTotalEntries bounds the entries of all the archives read from
	// one file.
	MaxTotalEntries int
	// MaxNestedBytes bounds the bytes of the nested archives opened from
	// one file; the budget is also at most twice the file's size plus
	// 1 MiB, since real nested archives are already compressed and a
	// larger total means a bomb.
	MaxNestedBytes int64
	// MaxMetadataSize bounds one MANIFEST.MF, pom.properties or pom.xml.
	MaxMetadataSize int64
}

// DefaultLimits hold real archives: a Spring Boot jar of 200 libraries, a
// Jenkins war, a shaded jar of thousands of classes.
var DefaultLimits = Limits{
	MaxDepth:        4,
	MaxEntries:      1 << 18,
	MaxTotalEntries: 1 << 20,
	MaxNestedBytes:  256 << 20,
	MaxMetadataSize: 1 << 20,
}

// summaryMagic starts what Reduce keeps of an archive, so that Catalog
// tells a reduced archive from one captured whole (by a matcher built
// without the cataloger's filters).
const summaryMagic = "vigil java archive summary 1\n"

// summary is what Reduce keeps of a Java archive: the metadata of the
// archive and of the archives nested in it, a few hundred bytes each,
// encoded as JSON after summaryMagic.
type summary struct {
	Archives []archiveInfo `json:"archives,omitempty"`
	// Problems are warnings about parts of the archive (a corrupt nested
	// jar, a spent budget), for Catalog to report with the layer.
	Problems []string `json:"problems,omitempty"`
}

// archiveInfo is what one archive says about itself.
type archiveInfo struct {
	// Path locates a nested archive inside the file: its path in its
	// parent archive, after the parents' paths, joined by ":"
	// ("WEB-INF/lib/a.jar", "BOOT-INF/lib/b.jar:lib/c.jar"); "" is the
	// file itself. It never holds the file's own path, which hard links
	// to the same content do not share.
	Path string `json:"path,omitempty"`
	// Manifest holds the attributes the cataloger reads: empty for a
	// manifest without them, nil (null) when the archive has none.
	Manifest map[string]string `json:"manifest"`
	Poms     []pomInfo         `json:"poms,omitempty"`
}

// pomInfo is one META-INF/maven/<group>/<artifact>/ directory.
type pomInfo struct {
	PomProperties
	Dir      string   `json:"dir"`
	Licenses []string `json:"licenses,omitempty"`
}

// maxSummaryProblems bounds the problems kept for one file.
const maxSummaryProblems = 50

// archiveExts are the Java archive formats, as Syft's java-archive
// cataloger lists them.
var archiveExts = []string{".jar", ".war", ".ear", ".jpi", ".hpi", ".par", ".sar", ".nar", ".kar", ".lpkg"}

func isArchiveName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return slices.Contains(archiveExts, ext)
}

// sniffArchive accepts zip files and executable jars (a launch script
// followed by the zip, as Spring Boot builds them).
func sniffArchive(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) || bytes.HasPrefix(head, []byte("#!"))
}

// Reduce turns the content of a Java archive into its summary: the
// manifest attributes and Maven metadata of the archive and of the
// archives nested in it. It returns nil when the archive holds none of
// them, and an error when the archive itself cannot be read. It bounds its
// time and memory by lim.
func Reduce(data []byte, lim Limits) ([]byte, error) {
	lim = lim.withDefaults()
	r := &reducer{
		lim:     lim,
		budget:  min(lim.MaxNestedBytes, 2*int64(len(data))+1<<20),
		entries: lim.MaxTotalEntries,
	}
	if err := r.archive("", data, 0); err != nil {
		if bytes.HasPrefix(data, []byte("#!")) && errors.Is(err, zip.ErrFormat) {
			return nil, nil // a script named like an archive
		}
		return nil, err
	}
	if len(r.out.Archives) == 0 && len(r.out.Problems) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(r.out)
	if err != nil {
		return nil, err
	}
	return append([]byte(summaryMagic), b...), nil
}

// decodeSummary reads what Reduce returned.
func decodeSummary(data []byte) (summary, error) {
	var s summary
	body, ok := bytes.CutPrefix(data, []byte(summaryMagic))
	if !ok {
		return s, errors.New("not an archive summary")
	}
	err := json.Unmarshal(body, &s)
	return s, err
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxEntries > 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxTotalEntries > 0 {
		d.MaxTotalEntries = l.MaxTotalEntries
	}
	if l.MaxNestedBytes > 0 {
		d.MaxNestedBytes = l.MaxNestedBytes
	}
	if l.MaxMetadataSize > 0 {
		d.MaxMetadataSize = l.MaxMetadataSize
	}
	return d
}

// reducer is the state of one Reduce call.
type reducer struct {
	lim     Limits
	budget  int64 // bytes of nested archives left to open
	entries int   // archive entries left to read
	out     summary
	dropped int // problems over maxSummaryProblems
}

func (r *reducer) problem(where, msg string) {
	if len(r.out.Problems) == maxSummaryProblems {
		r.dropped++
		if r.dropped == 1 {
			r.out.Problems = append(r.out.Problems, "more problems left out")
		}
		return
	}
	if where != "" {
		msg = where + ": " + msg
	}
	r.out.Problems = append(r.out.Problems, msg)
}

// archive reads the archive data, found at inner in the file, and the
// archives nested in it at depth+1.
func (r *reducer) archive(inner string, data []byte, depth int) error {
	if n, ok := declaredEntries(data); ok && n > uint64(r.lim.MaxEntries) {
		return fmt.Errorf("%d entries, over the limit of %d", n, r.lim.MaxEntries)
	} else if ok && n > uint64(r.entries) {
		return fmt.Errorf("%d entries, over what is left of the limit of %d for one file", n, r.lim.MaxTotalEntries)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	r.entries -= min(len(zr.File), r.entries)
	info := archiveInfo{Path: inner}
	poms := map[string]*pomInfo{}
	pom := func(dir string) *pomInfo {
		if poms[dir] == nil {
			poms[dir] = &pomInfo{Dir: dir}
		}
		return poms[dir]
	}
	var nested []*zip.File
	for _, f := range zr.File {
		switch name := f.Name; {
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"):
			if b := r.read(inner, f); b != nil {
				info.Manifest = keep(ParseManifest(b))
			}
		case isMavenFile(name, "pom.properties"):
			if b := r.read(inner, f); b != nil {
				props, err := ParsePomProperties(b)
				if err != nil {
					r.problem(join(inner, name), err.Error())
					break
				}
				pom(path.Dir(name)).PomProperties = props
			}
		case isMavenFile(name, "pom.xml"):
			if b := r.read(inner, f); b != nil {
				licenses, err := pomLicenses(b)
				if err != nil {
					r.problem(join(inner, name), err.Error())
					break
				}
				pom(path.Dir(name)).Licenses = licenses
			}
		case isArchiveName(name) && !f.Mode().IsDir():
			nested = append(nested, f)
		}
	}
	info.Poms = r.completePoms(inner, poms)
	if info.Manifest != nil || len(info.Poms) > 0 {
		r.out.Archives = append(r.out.Archives, info)
	}
	for _, f := range nested {
		r.nested(inner, f, data, depth+1)
	}
	return nil
}

// completePoms returns the Maven directories that name an artifact, in
// path order. A pom.xml without a pom.properties gives no package: its
// version may come from a parent POM that the archive does not hold.
func (r *reducer) completePoms(inner string, poms map[string]*pomInfo) []pomInfo {
	var out []pomInfo
	for _, dir := range slices.Sorted(maps.Keys(poms)) {
		p := poms[dir]
		switch {
		case p.ArtifactID != "" && p.Version != "":
			out = append(out, *p)
		case p.ArtifactID != "" || p.Version != "" || p.GroupID != "":
			r.problem(join(inner, dir+"/pom.properties"), "no artifactId or version")
		}
	}
	return out
}

// isMavenFile reports whether name is META-INF/maven/<group>/<artifact>/base.
func isMavenFile(name, base string) bool {
	rest, ok := strings.CutPrefix(name, "META-INF/maven/")
	return ok && strings.Count(rest, "/") == 2 && path.Base(rest) == base
}

// join locates name inside the nested archive inner.
func join(inner, name string) string {
	if inner == "" {
		return name
	}
	return inner + ":" + name
}

// read returns the content of a small entry, or nil after reporting why
// it could not.
func (r *reducer) read(inner string, f *zip.File) []byte {
	if f.UncompressedSize64 > uint64(r.lim.MaxMetadataSize) {
		r.problem(join(inner, f.Name), fmt.Sprintf("not read: %d bytes is over the %d-byte limit", f.UncompressedSize64, r.lim.MaxMetadataSize))
		return nil
	}
	b, err := readEntry(f)
	if err != nil {
		r.problem(join(inner, f.Name), err.Error())
		return nil
	}
	return b
}

// readEntry decompresses an entry whose declared size the caller checked:
// archive/zip fails on data beyond the declared size or with a wrong
// checksum, so a lying header cannot make it read more.
func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, err
	}
	return b, nil
}

// nested reads the archive f of the archive data found at parent. A
// stored (uncompressed) entry, as Spring Boot requires for BOOT-INF/lib,
// is read in place; a deflated one is decompressed, within the budget.
func (r *reducer) nested(parent string, f *zip.File, data []byte, depth int) {
	inner := join(parent, f.Name)
	if depth > r.lim.MaxDepth {
		r.problem(inner, fmt.Sprintf("not read: archives nested deeper than %d levels", r.lim.MaxDepth))
		return
	}
	size := f.UncompressedSize64
	if size > uint64(r.budget) {
		r.problem(inner, fmt.Sprintf("not read: its %d bytes exceed what is left of the budget for nested archives (%d bytes)", size, r.budget))
		return
	}
	r.budget -= int64(size)
	b, err := r.entryData(f, data)
	if err != nil {
		r.problem(inner, err.Error())
		return
	}
	if err := r.archive(inner, b, depth); err != nil {
		r.problem(inner, err.Error())
	}
}

// entryData returns the content of the entry f of the archive data.
func (r *reducer) entryData(f *zip.File, data []byte) ([]byte, error) {
	if f.Method != zip.Store {
		return readEntry(f)
	}
	off, err := f.DataOffset()
	if err != nil {
		return nil, err
	}
	size := f.UncompressedSize64
	if f.CompressedSize64 != size || off < 0 || uint64(off) > uint64(len(data)) || size > uint64(len(data))-uint64(off) {
		return nil, errors.New("stored entry lies outside the archive")
	}
	end := off + int64(size)
	return data[off:end:end], nil
}

// declaredEntries returns the number of entries the end of central
// directory record of a zip file declares (ZIP64 included), so that an
// archive claiming millions of entries is refused before archive/zip
// allocates them all; archive/zip offers no cheaper way to learn it. ok is
// false when no record is found, leaving the verdict to archive/zip.
func declaredEntries(data []byte) (n uint64, ok bool) {
	const eocdLen, locatorLen, zip64Len = 22, 20, 56
	start := max(0, len(data)-eocdLen-0xffff) // the record ends with a comment of at most 64 KiB
	i := bytes.LastIndex(data[start:], []byte("PK\x05\x06"))
	if i < 0 || start+i+eocdLen > len(data) {
		return 0, false
	}
	i += start
	n = uint64(binary.LittleEndian.Uint16(data[i+10:]))
	if n != 0xffff || i < locatorLen {
		return n, true
	}
	loc := data[i-locatorLen : i]
	if string(loc[:4]) != "PK\x06\x07" {
		return n, true
	}
	off := binary.LittleEndian.Uint64(loc[8:])
	if off > uint64(len(data)) || uint64(len(data))-off < zip64Len || string(data[off:off+4]) != "PK\x06\x06" {
		return n, true
	}
	return binary.LittleEndian.Uint64(data[off+32:]), true
}
