// Package executable reduces the executables found in an image to the
// dependency records their toolchains embed, at extraction time: the Go
// toolchain's build information (main module, dependencies, Go version)
// and the dependency list cargo-auditable writes into Rust binaries. An
// image's binary directories hold many executables, most of them neither;
// only the few hundred bytes that name packages are kept in memory and in
// the layer cache, whatever the size of the binary.
//
// The Go and Rust catalogers share one layerfs.Filter (Filter), because a
// file can be reduced only one way and a binary could, in principle, hold
// both records.
package executable

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/vigil-dev/vigil/layerfs"
)

// Patterns are the places executables are looked for: where images install
// programs. Scanning every file of an image for executables would read far
// more than catalogers need; these cover package managers, `go install`,
// `cargo install`, ko and the usual Dockerfile destinations.
var Patterns = []string{
	"*",
	"bin/*",
	"sbin/*",
	"usr/bin/*",
	"usr/sbin/*",
	"usr/local/bin/*",
	"usr/local/sbin/*",
	// The Go toolchain: golang images, Alpine's go, Debian's golang-1.NN-go.
	"usr/local/go/bin/*",
	"usr/local/go/pkg/tool/*/*",
	"usr/lib/go/bin/*",
	"usr/lib/go/pkg/tool/*/*",
	"usr/lib/go-*/bin/*",
	"usr/lib/go-*/pkg/tool/*/*",
	// GOPATH/bin of `go install`, CARGO_HOME/bin of `cargo install`.
	"go/bin/*",
	"root/go/bin/*",
	"home/*/go/bin/*",
	"usr/local/cargo/bin/*",
	"root/.cargo/bin/*",
	"home/*/.cargo/bin/*",
	// ko, and common Dockerfile destinations.
	"ko-app/*",
	"app/*",
	"opt/*/bin/*",
	"opt/bitnami/*/bin/*",
}

// FilterName names the reduction in cache keys; change it with the format.
const FilterName = "executable-v1"

// Filter is the layerfs filter both catalogers declare.
func Filter() layerfs.Filter {
	return layerfs.Filter{Name: FilterName, Patterns: Patterns, Sniff: Magic, Reduce: reduce}
}

// Info is what an executable embeds.
type Info struct {
	// GoBuildInfo is the Go build information in the text form of
	// runtime/debug.BuildInfo.String (read back with debug.ParseBuildInfo);
	// "" for other executables.
	GoBuildInfo string
	// CargoAuditable is the raw content of cargo-auditable's section
	// (".dep-v0" in ELF and PE files, and in the __DATA segment of Mach-O
	// files): zlib-compressed
	// JSON, left compressed; nil when absent.
	CargoAuditable []byte
	// GoError is set when the file looked like a Go executable but its
	// build information could not be read.
	GoError string
}

// Limits on what is kept of one executable: real build information is a
// few kilobytes, a compressed cargo-auditable list a few more.
const (
	maxGoBuildInfo = 1 << 20
	maxSection     = 4 << 20
)

// Magic reports whether head starts like an ELF, PE or Mach-O (thin or fat)
// executable.
func Magic(head []byte) bool {
	if len(head) < 16 {
		return false
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")), bytes.HasPrefix(head, []byte("MZ")):
		return true
	case bytes.HasPrefix(head, []byte("\xfe\xed\xfa")) || bytes.HasPrefix(head[1:], []byte("\xfa\xed\xfe")):
		return true
	case bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbe")) || bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbf")):
		return true
	}
	return false
}

// PanicMessage starts Info.GoError when the standard library's reader
// panicked (a bug to report upstream; the fuzz targets look for it).
const PanicMessage = "panic reading Go build information"

// reduce implements layerfs.Filter.Reduce.
func reduce(_ string, data []byte) ([]byte, error) {
	info := Read(data)
	if info.GoBuildInfo == "" && info.CargoAuditable == nil && info.GoError == "" {
		return nil, nil
	}
	return info.Encode(), nil
}

// Read extracts what data, a whole executable, embeds. It never panics: the
// standard library's object file readers can, on crafted input.
func Read(data []byte) Info {
	var info Info
	if !Magic(data) {
		return info
	}
	if bytes.HasPrefix(data, []byte("\x7fELF")) && !elfMayEmbed(data) {
		return info // most of a distribution's binaries: parsed once, then dropped
	}
	info.GoBuildInfo, info.GoError = goBuildInfo(data)
	info.CargoAuditable = auditableSection(data)
	return info
}

// elfMayEmbed reports whether an ELF file has the section of Go's build
// information or cargo-auditable's (or may hold them elsewhere), or cannot
// be parsed (then the readers decide and report). It spares the C programs that fill a distribution's
// bin directories a second and third parse.
func elfMayEmbed(data []byte) (may bool) {
	defer func() {
		if recover() != nil {
			may = true
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return true
	}
	// Go before 1.13 kept build information in its data segment, with a
	// build ID note; files without section headers are read by segments.
	return f.Section(".go.buildinfo") != nil || f.Section(".dep-v0") != nil ||
		f.Section(".note.go.buildid") != nil || len(f.Sections) <= 1
}

func goBuildInfo(data []byte) (s, errMsg string) {
	defer func() {
		if r := recover(); r != nil {
			s, errMsg = "", fmt.Sprintf("%s: %v", PanicMessage, r)
		}
	}()
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		// debug/buildinfo's errors for these cases are not exported.
		switch msg := err.Error(); msg {
		case "not a Go executable", "unrecognized file format":
			return "", ""
		default:
			return "", msg
		}
	}
	s = bi.String()
	if len(s) > maxGoBuildInfo {
		return "", fmt.Sprintf("Go build information of %d bytes is over the %d byte limit", len(s), maxGoBuildInfo)
	}
	return s, ""
}

// auditableSection returns the cargo-auditable section, or nil.
func auditableSection(data []byte) (out []byte) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	r := bytes.NewReader(data)
	var sr io.ReaderAt
	var size uint64
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		f, err := elf.NewFile(r)
		if err != nil {
			return nil
		}
		s := f.Section(".dep-v0")
		if s == nil || s.Type == elf.SHT_NOBITS {
			return nil
		}
		sr, size = s, s.Size
	case bytes.HasPrefix(data, []byte("MZ")):
		f, err := pe.NewFile(r)
		if err != nil {
			return nil
		}
		s := f.Section(".dep-v0")
		if s == nil {
			return nil
		}
		sr, size = s, uint64(s.Size)
	default:
		f, err := macho.NewFile(r)
		if err != nil {
			return nil // fat binaries are left out
		}
		s := f.Section(".dep-v0") // in the __DATA segment
		if s == nil {
			return nil
		}
		sr, size = s, s.Size
	}
	if size == 0 || size > maxSection || size > uint64(len(data)) {
		return nil
	}
	b := make([]byte, size)
	if _, err := sr.ReadAt(b, 0); err != nil {
		return nil
	}
	return b
}

var magic = []byte("vigil-exe\x01")

// Encode returns the compact form of info that the filter keeps:
// magic, then three length-prefixed fields.
func (info Info) Encode() []byte {
	b := append([]byte(nil), magic...)
	for _, f := range [][]byte{[]byte(info.GoBuildInfo), info.CargoAuditable, []byte(info.GoError)} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// ErrNotReduced is returned by Decode for data that is not an encoded Info.
var ErrNotReduced = errors.New("not a reduced executable")

// Decode reads what Encode wrote.
func Decode(b []byte) (Info, error) {
	if !bytes.HasPrefix(b, magic) {
		return Info{}, ErrNotReduced
	}
	b = b[len(magic):]
	var fields [3][]byte
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return Info{}, fmt.Errorf("%w: truncated", ErrNotReduced)
		}
		fields[i], b = b[k:k+int(n)], b[k+int(n):]
	}
	info := Info{GoBuildInfo: string(fields[0]), GoError: string(fields[2])}
	if len(fields[1]) > 0 {
		info.CargoAuditable = fields[1]
	}
	return info, nil
}
