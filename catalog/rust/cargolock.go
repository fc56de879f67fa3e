package rust

import (
	"errors"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

// Crate is one package that a Cargo.lock or a binary's audit data lists.
type Crate struct {
	Name    string
	Version string
	// Source is where the crate came from, as the file writes it. In a
	// Cargo.lock: "registry+https://github.com/rust-lang/crates.io-index",
	// "sparse+https://index.crates.io/", "git+https://host/repo?rev=x#commit",
	// or "" for a workspace member or path dependency. In audit data:
	// "crates.io", "registry", "git" or "local".
	Source string
	// Build marks a crate that only ran at build time (a build script's or
	// a procedural macro's dependency): audit data kind "build".
	Build bool
}

func (c Crate) key() string { return c.Name + "@" + c.Version + "\x00" + c.Source }

// cargoLock is a Cargo.lock of any version, decoded with
// pelletier/go-toml/v2 (BurntSushi/toml takes time that grows much faster
// than linearly with the nesting of inline tables, 76 s for 10,000 levels,
// where go-toml/v2 takes 50 ms and refuses deeper documents). Version 1 keeps checksums in a
// [metadata] table and, before Rust 1.0-era lock files were rewritten, the
// root package in a [root] table; versions 2 to 4 put checksums on each
// package. Only what names a crate is decoded.
type cargoLock struct {
	Root    *lockPackage  `toml:"root"`
	Package []lockPackage `toml:"package"`
}

type lockPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	Source  string `toml:"source"`
}

// ParseCargoLock returns the crates a Cargo.lock lists, in file order,
// without duplicates, and the number of entries skipped for lacking a name
// or a version. It fails only when data is not TOML of the Cargo.lock
// shape.
func ParseCargoLock(data []byte) ([]Crate, int, error) {
	var lock cargoLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			// The full error quotes the offending line, which may be huge.
			line, _ := derr.Position()
			return nil, 0, fmt.Errorf("malformed Cargo.lock: line %d: %s", line, shorten(derr.Error()))
		}
		return nil, 0, fmt.Errorf("malformed Cargo.lock: %s", shorten(err.Error()))
	}
	entries := lock.Package
	if lock.Root != nil {
		entries = append([]lockPackage{*lock.Root}, entries...)
	}
	var crates []Crate
	seen := map[string]bool{}
	skipped := 0
	for _, p := range entries {
		c := Crate{Name: p.Name, Version: p.Version, Source: p.Source}
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

// valid reports whether c can name a package: crate names and versions
// are short and have no spaces or control characters.
func valid(c Crate) bool {
	return validField(c.Name) && validField(c.Version)
}

func validField(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// shorten cuts a message quoted from hostile input.
func shorten(s string) string {
	if len(s) <= 200 {
		return s
	}
	return s[:200] + "..."
}
