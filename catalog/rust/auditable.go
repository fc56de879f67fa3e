package rust

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vigil-dev/vigil/catalog/executable"
)

// The audit data of cargo-auditable is zlib-compressed JSON in a section
// named ".dep-v0" (in the __DATA segment on Mach-O), see its PARSING.md.
// microsoft/go-rustaudit reads it too, but decompresses without a limit
// (a zlib bomb in one image file would exhaust memory) and returns parsed
// structures where the layer filter needs the JSON itself; the standard
// library's debug/elf, debug/pe and debug/macho do the binary parsing here.
const (
	auditSection = ".dep-v0"
	// rust-audit 0.1, cargo-auditable's predecessor, used other names.
	legacyELFSection   = ".rust-deps-v0"
	legacyPESection    = "rdep-v0"
	legacyMachOSection = "rust-deps-v0"
)

// Limits on what one executable can make the reader do. cargo-auditable's
// PARSING.md: "8 MiB should be more than enough to hold any legitimate
// audit data"; the compressed data of a thousand crates is about 20 KB.
const (
	MaxAuditJSON       = 8 << 20
	MaxAuditCompressed = 4 << 20
	// maxSections bounds the section headers of an ELF file read: linked
	// executables have a few dozen.
	maxSections = 1 << 14
)

// ErrNoAuditData is returned for executables without cargo-auditable data.
var ErrNoAuditData = errors.New("no cargo-auditable data")

// errNotExecutable is returned for data that is not an ELF, PE or Mach-O
// file.
var errNotExecutable = errors.New("not an ELF, PE or Mach-O executable")

// errPanic wraps a panic of a debug/* package; the fuzz target fails on it.
var errPanic = errors.New("panic reading an executable")

// AuditJSON returns the decompressed audit data that cargo-auditable
// embedded in the executable data: ErrNoAuditData when there is none, an
// error when the file or the data is malformed or over the limits. It
// never panics and its memory use is bounded by MaxAuditJSON beyond what
// the debug/* packages need for the section headers of data.
func AuditJSON(data []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	r := bytes.NewReader(data)
	var sec io.Reader
	var size uint64
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		sec, size, err = elfSection(r)
	case bytes.HasPrefix(data, []byte("MZ")):
		sec, size, err = peSection(r)
	case executable.Magic(data):
		sec, size, err = machoSection(r)
	default:
		return nil, errNotExecutable
	}
	if err != nil {
		return nil, err
	}
	if size > MaxAuditCompressed {
		return nil, fmt.Errorf("%s section of %d bytes is over the %d byte limit", auditSection, size, MaxAuditCompressed)
	}
	return inflate(io.LimitReader(sec, int64(size)))
}

// inflate decompresses zlib data, at most MaxAuditJSON bytes of it.
func inflate(r io.Reader) ([]byte, error) {
	zr, err := zlib.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s section is not zlib data: %w", auditSection, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxAuditJSON+1))
	if err != nil {
		return nil, fmt.Errorf("%s section: %w", auditSection, err)
	}
	if len(out) > MaxAuditJSON {
		return nil, fmt.Errorf("%s section decompresses to more than %d bytes", auditSection, MaxAuditJSON)
	}
	return out, nil
}

func elfSection(r *bytes.Reader) (io.Reader, uint64, error) {
	if err := checkELFHeader(r); err != nil {
		return nil, 0, err
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, 0, fmt.Errorf("malformed ELF file: %w", err)
	}
	if len(f.Sections) > maxSections {
		return nil, 0, fmt.Errorf("malformed ELF file: %d sections, more than %d", len(f.Sections), maxSections)
	}
	s := f.Section(auditSection)
	if s == nil {
		s = f.Section(legacyELFSection)
	}
	switch {
	case s == nil:
		return nil, 0, ErrNoAuditData
	case s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_COMPRESSED != 0:
		// cargo-auditable writes plain PROGBITS; Open would inflate an
		// ELF-compressed section without a limit.
		return nil, 0, fmt.Errorf("%s section of type %v, flags %v: not audit data", auditSection, s.Type, s.Flags)
	}
	return s.Open(), s.FileSize, nil
}

// checkELFHeader rejects an ELF file that declares more section headers
// than maxSections before debug/elf reads them.
func checkELFHeader(r *bytes.Reader) error {
	var ident [elf.EI_NIDENT]byte
	if _, err := r.ReadAt(ident[:], 0); err != nil {
		return fmt.Errorf("malformed ELF file: %w", err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if elf.Data(ident[elf.EI_DATA]) == elf.ELFDATA2MSB {
		order = binary.BigEndian
	}
	off := int64(0x3c) // e_shnum of ELF64
	if elf.Class(ident[elf.EI_CLASS]) == elf.ELFCLASS32 {
		off = 0x30
	}
	var shnum [2]byte
	if _, err := r.ReadAt(shnum[:], off); err != nil {
		return fmt.Errorf("malformed ELF file: %w", err)
	}
	if n := order.Uint16(shnum[:]); n > maxSections {
		return fmt.Errorf("malformed ELF file: %d sections, more than %d", n, maxSections)
	}
	return nil
}

func peSection(r *bytes.Reader) (io.Reader, uint64, error) {
	f, err := pe.NewFile(r)
	if err != nil {
		return nil, 0, fmt.Errorf("malformed PE file: %w", err)
	}
	s := f.Section(auditSection)
	if s == nil {
		s = f.Section(legacyPESection)
	}
	if s == nil {
		return nil, 0, ErrNoAuditData
	}
	// The raw data is padded to the file alignment; zlib stops at its end.
	return s.Open(), uint64(s.Size), nil
}

func machoSection(r *bytes.Reader) (io.Reader, uint64, error) {
	if magic, _ := r.ReadByte(); magic == 0xca {
		fat, err := macho.NewFatFile(r)
		if err != nil {
			// Java class files share the magic number of fat binaries.
			return nil, 0, errNotExecutable
		}
		for _, a := range fat.Arches {
			if sec, size, err := machoFileSection(a.File); !errors.Is(err, ErrNoAuditData) {
				return sec, size, err
			}
		}
		return nil, 0, ErrNoAuditData
	}
	f, err := macho.NewFile(r)
	if err != nil {
		return nil, 0, fmt.Errorf("malformed Mach-O file: %w", err)
	}
	return machoFileSection(f)
}

func machoFileSection(f *macho.File) (io.Reader, uint64, error) {
	s := f.Section(auditSection)
	if s == nil {
		s = f.Section(legacyMachOSection)
	}
	if s == nil {
		return nil, 0, ErrNoAuditData
	}
	return s.Open(), s.Size, nil
}

// auditData is the JSON that cargo-auditable embeds (its
// cargo-auditable.schema.json); the dependency graph is not read.
type auditData struct {
	Packages *[]auditPackage `json:"packages"`
}

type auditPackage struct {
	Name    string      `json:"name"`
	Version string      `json:"version"`
	Source  auditSource `json:"source"`
	Kind    string      `json:"kind"`
}

// auditSource is "crates.io", "git", "local", "registry" or, for sources
// cargo-auditable does not know, either the name or {"Other": name}.
type auditSource string

// UnmarshalJSON implements json.Unmarshaler.
func (s *auditSource) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*s = auditSource(name)
		return nil
	}
	var other struct {
		Other string `json:"Other"`
	}
	if err := json.Unmarshal(b, &other); err != nil || other.Other == "" {
		return fmt.Errorf("source is neither a string nor {\"Other\": name}")
	}
	*s = auditSource(other.Other)
	return nil
}

// ParseAuditJSON returns the crates of cargo-auditable audit data, in its
// order, without duplicates, and the number of entries skipped for lacking
// a name or a version.
func ParseAuditJSON(data []byte) ([]Crate, int, error) {
	var d auditData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, 0, fmt.Errorf("malformed audit data: %s", shorten(err.Error()))
	}
	if d.Packages == nil {
		return nil, 0, errors.New(`malformed audit data: no "packages" list`)
	}
	var crates []Crate
	seen := map[string]bool{}
	skipped := 0
	for _, p := range *d.Packages {
		c := Crate{Name: p.Name, Version: p.Version, Source: string(p.Source), Build: p.Kind == "build"}
		if !valid(c) {
			skipped++
			continue
		}
		if seen[c.key()] {
			continue
		}
		seen[c.key()] = true
		crates = append(crates, c)
	}
	return crates, skipped, nil
}
