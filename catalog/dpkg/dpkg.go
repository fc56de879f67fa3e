// Package dpkg catalogs Debian packages from the dpkg database: the status
// file of Debian and Ubuntu images, or the per-package files under
// status.d of distroless images.
package dpkg

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/purl"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

const (
	statusPath = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d"
	infoDir    = "var/lib/dpkg/info"
)

// Cataloger reads the dpkg database.
type Cataloger struct{}

// New returns a dpkg cataloger.
func New() *Cataloger { return &Cataloger{} }

func (*Cataloger) Name() string { return "dpkg" }

func (*Cataloger) Patterns() []string {
	return []string{
		statusPath,
		statusDir + "/*",
		infoDir + "/*.list",
		"usr/share/doc/*/copyright",
	}
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	if fsys.Exists(statusPath) {
		found, err := c.fromDB(fsys, env, statusPath, true)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, found...)
	}
	for _, p := range fsys.Glob(statusDir + "/*") {
		if strings.HasSuffix(p, ".md5sums") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		found, err := c.fromDB(fsys, env, p, false)
		if err != nil {
			env.Warn(-1, "/"+p, err.Error())
			continue
		}
		pkgs = append(pkgs, found...)
	}
	return pkgs, nil
}

func (c *Cataloger) fromDB(fsys *layerfs.FS, env *catalog.Env, dbPath string, withInfo bool) ([]inventory.Package, error) {
	data, layer, err := fsys.ReadFile(dbPath)
	if err != nil {
		return nil, fmt.Errorf("failed to read dpkg database: %w", err)
	}
	entries, problems := ParseStatus(data)
	for _, p := range problems {
		env.Warn(layer, "/"+dbPath, p)
	}
	introduced := catalog.IntroducedIn(fsys.History(dbPath), func(b []byte) map[string]bool {
		es, _ := ParseStatus(b)
		keys := make(map[string]bool, len(es))
		for _, e := range es {
			keys[e.key()] = true
		}
		return keys
	})
	distro := purl.Distro(env.OS)
	namespace, ecosystem := "debian", ""
	if env.OS != nil && env.OS.ID != "" {
		namespace = env.OS.ID
		ecosystem = Ecosystem(env.OS)
	}
	pkgs := make([]inventory.Package, 0, len(entries))
	for _, e := range entries {
		if !e.installed() {
			continue
		}
		p := inventory.Package{
			Name:          e.Package,
			Version:       e.Version,
			SourceName:    e.SourceName,
			SourceVersion: e.SourceVersion,
			Arch:          e.Architecture,
			Type:          inventory.TypeDeb,
			Ecosystem:     ecosystem,
			Layer:         layer,
			Locations:     []string{"/" + dbPath},
		}
		if l, ok := introduced[e.key()]; ok {
			p.Layer = l
		}
		p.PURL = purl.OSPackage{
			Type: inventory.TypeDeb, Namespace: namespace, Name: p.Name, Version: p.Version, Arch: p.Arch,
			Distro: distro, Upstream: purl.Upstream(p.Name, p.Version, p.SourceName, p.SourceVersion),
		}.String()
		p.Licenses = licenses(fsys, p.Name)
		if withInfo {
			p.Files = ownedFiles(fsys, infoDir, p.Name, p.Arch)
		} else {
			// Distroless keeps <name>.md5sums beside each status file.
			p.Files = md5sumsFiles(fsys, dbPath)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// Ecosystem returns the OSV ecosystem of dpkg packages on os, such as
// "Debian:12" or "Ubuntu:22.04", or "" when OSV has none for it.
func Ecosystem(os *inventory.OS) string {
	switch os.ID {
	case "debian":
		if os.VersionID != "" {
			return "Debian:" + os.VersionID
		}
	case "ubuntu":
		if os.VersionID != "" {
			return "Ubuntu:" + os.VersionID
		}
	}
	return ""
}

// ownedFiles reads info/NAME.list (or NAME:ARCH.list for multi-arch
// packages) and returns the paths it lists that are not directories.
func ownedFiles(fsys *layerfs.FS, dir, name, arch string) []string {
	var data []byte
	for _, p := range []string{dir + "/" + name + ".list", dir + "/" + name + ":" + arch + ".list"} {
		if b, _, err := fsys.ReadFile(p); err == nil {
			data = b
			break
		}
	}
	var lines []string
	// A path that another line lies under is a directory: only the
	// others need a look at the file system.
	parents := map[string]bool{}
	for rest := string(data); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSpace(line)
		if line == "" || line == "/." || !strings.HasPrefix(line, "/") {
			continue
		}
		lines = append(lines, line)
		if i := strings.LastIndexByte(line, '/'); i > 0 {
			parents[line[:i]] = true
		}
	}
	var files []string
	for _, line := range lines {
		if parents[line] {
			continue
		}
		if info, err := fsys.Lstat(line); err == nil && info.Type == layerfs.TypeDir {
			continue
		}
		files = append(files, line)
	}
	return files
}

func md5sumsFiles(fsys *layerfs.FS, statusFile string) []string {
	b, _, err := fsys.ReadFile(statusFile + ".md5sums")
	if err != nil {
		return nil
	}
	var files []string
	for _, line := range strings.Split(string(b), "\n") {
		// "<md5>  <path relative to />"
		if _, p, ok := strings.Cut(strings.TrimSpace(line), "  "); ok && p != "" {
			files = append(files, "/"+strings.TrimPrefix(p, "/"))
		}
	}
	return files
}

// dep5Format is how a machine-readable copyright file starts
// (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/).
var dep5Format = []byte("copyright-format/1.0")

// licenses returns the license short names declared in the package's
// machine-readable copyright file, in order of first appearance. Free-form
// copyright files yield nothing rather than a guess.
func licenses(fsys *layerfs.FS, name string) []string {
	b, _, err := fsys.ReadFile(path.Join("usr/share/doc", name, "copyright"))
	if err != nil {
		return nil
	}
	head := b
	if len(head) > 512 {
		head = head[:512]
	}
	if !bytes.Contains(head, dep5Format) {
		return nil
	}
	var out []string
	for rest := b; len(rest) > 0; {
		i := bytes.Index(rest, []byte("License:"))
		if i < 0 {
			break
		}
		atLineStart := i == 0 || rest[i-1] == '\n'
		rest = rest[i+len("License:"):]
		if !atLineStart {
			continue
		}
		line := rest
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		v := strings.TrimSpace(string(line))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
