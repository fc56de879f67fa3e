// Package layerfs turns the layers of an image into one read-only view of
// its file system, the way a container runtime would stack them: OCI
// whiteouts and opaque directories applied in order, symbolic and hard links
// resolved inside the image root only, and for every file the layer that
// last wrote it.
//
// Layers are read as streams, once each (ExtractTar); nothing is written to
// disk. Only the files that a Matcher selects are kept in memory; every
// other entry is indexed by path, type and size.
package layerfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Errors returned by FS lookups.
var (
	ErrNotExist    = fs.ErrNotExist
	ErrLoop        = errors.New("too many levels of symbolic links")
	ErrNotCaptured = errors.New("file content was not read (not requested by a cataloger, or over a size limit)")
	ErrNotFile     = errors.New("not a regular file")
)

const maxSymlinkHops = 40

type node struct {
	typ      EntryType
	mode     int64
	size     int64
	link     string
	layer    int
	data     []byte
	captured bool
	children map[string]*node
}

// Info describes a file in the merged view.
type Info struct {
	Path  string
	Type  EntryType
	Mode  int64
	Size  int64
	Link  string // symlink target as written
	Layer int    // index of the layer that last wrote it
}

// Version is the content a path had after one layer changed it.
type Version struct {
	Layer   int
	Data    []byte
	Deleted bool // the layer removed the path (a whiteout or a non-file)
}

// FS is the merged view of a stack of layer extracts.
type FS struct {
	root     *node
	history  map[string][]Version
	matched  map[string]bool // literal paths of entries a Matcher selected
	hidden   func(p string) bool
	layers   int
	warnings []LayerWarning
}

// LayerWarning is a Warning with the index of the layer it came from.
type LayerWarning struct {
	Layer int
	Warning
}

// New returns an empty file system; add layers bottom to top with Apply.
func New() *FS {
	return &FS{root: &node{typ: TypeDir}, history: map[string][]Version{}, matched: map[string]bool{}}
}

// Merge stacks extracts, bottom first.
func Merge(extracts ...*Extract) *FS {
	f := New()
	for _, e := range extracts {
		f.Apply(e)
	}
	return f
}

// Layers is the number of layers applied so far.
func (f *FS) Layers() int { return f.layers }

// Warnings are the layer warnings collected while applying extracts.
func (f *FS) Warnings() []LayerWarning { return f.warnings }

// Apply adds the next layer on top of the view.
func (f *FS) Apply(e *Extract) {
	k := f.layers
	f.layers++
	for _, w := range e.Warnings {
		f.warnings = append(f.warnings, LayerWarning{Layer: k, Warning: w})
	}
	for i := range e.Entries {
		ent := &e.Entries[i]
		switch ent.Type {
		case TypeWhiteout:
			parent, name := f.parentOf(ent.Path, k, false)
			if parent == nil {
				break
			}
			// A whiteout applies to lower layers only: what this layer
			// writes at or below the path stays, whatever the order of the
			// entries.
			switch n := parent.children[name]; {
			case n == nil:
			case n.typ == TypeDir && (n.layer >= k || hasLayer(n, k)):
				pruneBelow(n, k)
				n.layer = k
				f.recordDeletion(ent.Path, k, false)
			case n.layer < k:
				delete(parent.children, name)
				f.recordDeletion(ent.Path, k, false)
			}
		case TypeOpaque:
			if f.writtenAsNonDir(ent.Path, k) {
				// This layer made the path, or a parent, something other
				// than a directory: nothing of the lower layers is left
				// there to hide, and what this layer wrote stays.
				break
			}
			dir := f.root
			if ent.Path != "" {
				parent, name := f.parentOf(ent.Path, k, true)
				dir = parent.children[name]
				if dir == nil || dir.typ != TypeDir {
					dir = &node{typ: TypeDir, mode: 0o755, layer: k}
					parent.children[name] = dir
				}
			}
			pruneBelow(dir, k)
			f.recordDeletion(ent.Path, k, false)
		default:
			parent, name := f.parentOf(ent.Path, k, true)
			old := parent.children[name]
			n := &node{typ: ent.Type, mode: ent.Mode, size: ent.Size, link: ent.Link, layer: k, data: ent.Data, captured: ent.Captured}
			if ent.Matched || ent.Captured { // captured content was matched
				f.matched[ent.Path] = true
			}
			switch ent.Type {
			case TypeDir:
				if old != nil && old.typ == TypeDir {
					n.children = old.children // a directory entry keeps its contents
				}
			case TypeHardlink:
				// A hard link is another name for a file already in the view.
				if t, err := f.lookup(ent.Link, false); err == nil && t.typ != TypeDir {
					n.typ, n.size, n.link = t.typ, t.size, t.link
					if !n.captured {
						n.data, n.captured = t.data, t.captured
					}
				} else {
					n.typ = TypeFile
				}
			}
			if old != nil && old.typ == TypeDir && n.typ != TypeDir {
				f.recordDeletion(ent.Path, k, true)
			}
			parent.children[name] = n
			if n.captured {
				f.addVersion(ent.Path, Version{Layer: k, Data: n.data})
			} else if _, tracked := f.history[ent.Path]; tracked {
				f.addVersion(ent.Path, Version{Layer: k, Deleted: true})
			}
		}
	}
}

// addVersion records what layer v.Layer left at p. A layer that changes p
// more than once (a whiteout or opaque directory, then the path written
// again) keeps one Version: the last. A deletion is recorded only when
// there is content to delete.
func (f *FS) addVersion(p string, v Version) {
	vs := f.history[p]
	if n := len(vs); n > 0 && vs[n-1].Layer == v.Layer {
		vs = vs[:n-1]
	}
	f.setHistory(p, vs, v)
}

// setHistory stores vs followed by v, leaving out a deletion of nothing.
func (f *FS) setHistory(p string, vs []Version, v Version) {
	if v.Deleted && (len(vs) == 0 || vs[len(vs)-1].Deleted) {
		if len(vs) == 0 {
			delete(f.history, p)
		} else {
			f.history[p] = vs
		}
		return
	}
	f.history[p] = append(vs, v)
}

// recordDeletion notes that p and everything under it went away in layer k,
// for the paths whose history is tracked. A whiteout or an opaque directory
// hides the lower layers only, so what layer k wrote stays; with replace,
// an entry took the place of p (a directory replaced by a file, or the
// reverse), and what layer k wrote there earlier went too.
func (f *FS) recordDeletion(p string, k int, replace bool) {
	for hp, vs := range f.history {
		if hp != p && p != "" && !strings.HasPrefix(hp, p+"/") {
			continue
		}
		if last := vs[len(vs)-1]; last.Layer == k {
			if !replace || last.Deleted {
				continue
			}
			vs = vs[:len(vs)-1] // written and removed by the same layer
		}
		f.setHistory(hp, vs, Version{Layer: k, Deleted: true})
	}
}

// writtenAsNonDir reports whether layer k has written p, or one of its
// parents, as something other than a directory.
func (f *FS) writtenAsNonDir(p string, k int) bool {
	if p == "" {
		return false
	}
	n := f.root
	for _, c := range strings.Split(p, "/") {
		if n = n.children[c]; n == nil {
			return false
		}
		if n.typ != TypeDir {
			return n.layer >= k
		}
	}
	return false
}

// pruneBelow removes from dir everything that layers below k wrote, keeping
// what layer k itself has already written. A directory that layer k wrote
// over a lower one holds the lower one's children, which go too; a lower
// directory that layer k wrote into stays as the parent of those entries.
func pruneBelow(dir *node, k int) {
	for name, c := range dir.children {
		switch {
		case c.typ == TypeDir && (c.layer >= k || hasLayer(c, k)):
			pruneBelow(c, k)
			c.layer = k
		case c.layer < k:
			delete(dir.children, name)
		}
	}
}

func hasLayer(n *node, k int) bool {
	for _, c := range n.children {
		if c.layer >= k || (c.typ == TypeDir && hasLayer(c, k)) {
			return true
		}
	}
	return false
}

// parentOf returns the directory that holds p and p's last component. With
// create set, missing or non-directory ancestors are replaced by directories
// of layer k, as an overlay file system shows them; otherwise it returns nil
// when an ancestor is missing. Ancestors are never followed through
// symbolic links: a layer entry names a literal path.
func (f *FS) parentOf(p string, k int, create bool) (*node, string) {
	dir := f.root
	comps := strings.Split(p, "/")
	for i, c := range comps[:len(comps)-1] {
		next := dir.children[c]
		if next == nil || next.typ != TypeDir {
			if !create {
				return nil, ""
			}
			if next != nil {
				f.recordDeletion(strings.Join(comps[:i+1], "/"), k, true)
			}
			next = &node{typ: TypeDir, mode: 0o755, layer: k}
			if dir.children == nil {
				dir.children = map[string]*node{}
			}
			dir.children[c] = next
		}
		dir = next
	}
	if dir.children == nil {
		dir.children = map[string]*node{}
	}
	return dir, comps[len(comps)-1]
}

// resolve walks p from the root, following symbolic links in every
// component (and in the last one when follow is set). Links are resolved as
// if the image root were the system root: ".." at the root stays at the
// root and absolute targets start at the image root, so no path can leave
// the image. It returns the node and its resolved path.
func (f *FS) resolve(p string, follow bool) (*node, string, error) {
	if n, ok := f.literal(p, follow); ok {
		return n, p, nil
	}
	// nodes[i+1] is the node of names[i]; nodes[0] is the root. Neither
	// holds a symbolic link, so ".." can pop them lexically.
	nodes := []*node{f.root}
	var names []string
	hops := 0
	for rest := p; rest != ""; {
		c, r, _ := strings.Cut(rest, "/")
		rest = r
		switch c {
		case "", ".":
			continue
		case "..":
			if len(names) > 0 {
				names, nodes = names[:len(names)-1], nodes[:len(nodes)-1]
			}
			continue
		}
		cur := nodes[len(nodes)-1]
		if cur.typ != TypeDir {
			return nil, "", fmt.Errorf("/%s: %w", strings.Join(names, "/"), fs.ErrInvalid)
		}
		next := cur.children[c]
		if next == nil {
			return nil, "", ErrNotExist
		}
		if next.typ == TypeSymlink && (rest != "" || follow) {
			if hops++; hops > maxSymlinkHops {
				return nil, "", ErrLoop
			}
			if strings.HasPrefix(next.link, "/") {
				names, nodes = names[:0], nodes[:1]
			}
			if rest == "" {
				rest = next.link
			} else {
				rest = next.link + "/" + rest
			}
			continue
		}
		names, nodes = append(names, c), append(nodes, next)
	}
	return nodes[len(nodes)-1], strings.Join(names, "/"), nil
}

// literal is resolve's fast path for the common case of a clean path
// without links on the way: a walk that allocates nothing. It reports false
// when the path needs the general walk (a link, "..", a missing entry).
func (f *FS) literal(p string, follow bool) (*node, bool) {
	cur := f.root
	for rest := p; rest != ""; {
		c, r, _ := strings.Cut(rest, "/")
		rest = r
		if c == "" || c == "." || c == ".." || cur.typ != TypeDir {
			return nil, false
		}
		next := cur.children[c]
		if next == nil || (next.typ == TypeSymlink && (rest != "" || follow)) {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

func (f *FS) lookup(p string, follow bool) (*node, error) {
	n, _, err := f.resolve(cleanRel(p), follow)
	return n, err
}

func cleanRel(p string) string {
	// Most paths handed in are already clean ("/usr/bin/x" or "usr/bin/x"):
	// skip the allocation of path.Clean for them.
	q := strings.TrimPrefix(p, "/")
	if q != "" && q[0] != '/' && q[len(q)-1] != '/' && !strings.Contains(q, "//") && !strings.Contains(q, "./") && q != "." && q != ".." && !strings.HasSuffix(q, "/.") && !strings.HasSuffix(q, "/..") {
		return q
	}
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

func (f *FS) info(p string, n *node) Info {
	return Info{Path: p, Type: n.typ, Mode: n.mode, Size: n.size, Link: n.link, Layer: n.layer}
}

// Stat describes the file at p, following symbolic links. Info.Path is the
// resolved path.
func (f *FS) Stat(p string) (Info, error) {
	n, rp, err := f.resolve(cleanRel(p), true)
	if err != nil {
		return Info{}, &fs.PathError{Op: "stat", Path: "/" + cleanRel(p), Err: err}
	}
	return f.info(rp, n), nil
}

// Lstat describes the file at p without following a final symbolic link.
func (f *FS) Lstat(p string) (Info, error) {
	n, rp, err := f.resolve(cleanRel(p), false)
	if err != nil {
		return Info{}, &fs.PathError{Op: "lstat", Path: "/" + cleanRel(p), Err: err}
	}
	return f.info(rp, n), nil
}

// ReadFile returns the content of the file at p, following symbolic links
// inside the image, and the index of the layer that wrote it.
func (f *FS) ReadFile(p string) ([]byte, int, error) {
	n, _, err := f.resolve(cleanRel(p), true)
	if err == nil && n.typ != TypeFile {
		err = ErrNotFile
	}
	if err == nil && !n.captured {
		err = ErrNotCaptured
	}
	if err != nil {
		return nil, -1, &fs.PathError{Op: "read", Path: "/" + cleanRel(p), Err: err}
	}
	return n.data, n.layer, nil
}

// Exists reports whether p exists, following symbolic links.
func (f *FS) Exists(p string) bool {
	_, _, err := f.resolve(cleanRel(p), true)
	return err == nil
}

// History returns the successive contents the literal path p had, one
// Version per layer that changed it, bottom first. Only captured files have
// a history.
func (f *FS) History(p string) []Version {
	return slices.Clone(f.history[cleanRel(p)])
}

// Tracked returns the literal paths that have a History, sorted: every
// file whose content some layer captured, including the files that a later
// layer deleted or replaced, which still ship inside the image. Checks that
// look at every version of every file (secrets) start from it.
func (f *FS) Tracked() []string {
	out := make([]string, 0, len(f.history))
	for p := range f.history {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// maxGlobVisits bounds the directories one Glob call looks into.
const maxGlobVisits = 1 << 16

// Glob returns the paths in the merged view matching pattern (path.Match
// syntax per component), sorted. Directory components are followed through
// symbolic links; the returned paths are as matched, not resolved. On a
// hostile tree whose links make a pattern match without end, it stops after
// looking into 65,536 directories.
func (f *FS) Glob(pattern string) []string {
	comps := strings.Split(cleanRel(pattern), "/")
	var out []string
	visits := 0
	var rec func(prefix string, i int)
	rec = func(prefix string, i int) {
		// Directory links (d -> .) make the matches of a pattern with
		// several wildcards grow exponentially with its depth: a hostile
		// image must not stall a cataloger that way.
		if visits++; visits > maxGlobVisits {
			return
		}
		dirPath := prefix
		n, _, err := f.resolve(dirPath, true)
		if err != nil || n.typ != TypeDir {
			return
		}
		c := comps[i]
		last := i == len(comps)-1
		if !strings.ContainsAny(c, `*?[\`) {
			if _, ok := n.children[c]; ok {
				if last {
					out = append(out, path.Join(prefix, c))
				} else {
					rec(path.Join(prefix, c), i+1)
				}
			}
			return
		}
		for name := range n.children {
			if ok, _ := path.Match(c, name); !ok {
				continue
			}
			if last {
				out = append(out, path.Join(prefix, name))
			} else {
				rec(path.Join(prefix, name), i+1)
			}
		}
	}
	if len(comps) > 0 && comps[0] != "" {
		rec("", 0)
	}
	slices.Sort(out)
	return out
}

// Matched returns the files of the merged view that the layers' Matcher
// selected (captured or not, for instance over a size limit), by their
// literal paths, sorted. Catalogers use it instead of walking the whole
// tree: it costs as much as there are matched files.
func (f *FS) Matched() []Info {
	var out []Info
	for p := range f.matched {
		if f.hidden != nil && f.hidden(p) {
			continue
		}
		if n, ok := f.literal(p, false); ok && n.typ == TypeFile {
			out = append(out, f.info(p, n))
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// Hiding returns a view of f whose Matched leaves out the paths hide
// reports true; everything else (ReadFile, Stat, History...) is f's. The
// view shares f's data: f must not be changed (Apply) while it is in use.
func (f *FS) Hiding(hide func(p string) bool) *FS {
	view := *f
	if prev := f.hidden; prev != nil {
		view.hidden = func(p string) bool { return prev(p) || hide(p) }
	} else {
		view.hidden = hide
	}
	return &view
}

// Walk calls fn for every entry of the merged view in lexical order,
// without following symbolic links.
func (f *FS) Walk(fn func(Info) error) error {
	var rec func(prefix string, n *node) error
	rec = func(prefix string, n *node) error {
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			c := n.children[name]
			p := path.Join(prefix, name)
			if err := fn(f.info(p, c)); err != nil {
				return err
			}
			if c.typ == TypeDir {
				if err := rec(p, c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return rec("", f.root)
}
