package rust

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/layerfs"
)

// bounded runs fn and fails if it takes more than d or allocates more
// than maxAlloc bytes in all.
func bounded(t *testing.T, d time.Duration, maxAlloc uint64, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%v, %d KiB allocated", took.Round(time.Millisecond), alloc>>10)
	if took > d || alloc > maxAlloc {
		t.Errorf("took %v and allocated %d bytes; want at most %v and %d", took, alloc, d, maxAlloc)
	}
}

// patched returns a copy of the real Rust executable with fn applied;
// fn gets the offset of the section header table and of the .dep-v0
// section's header.
func patched(t *testing.T, fn func(b []byte, shoff, dep int)) []byte {
	t.Helper()
	b := slices.Clone(catalogtest.ReadTestdata(t, "auditdemo"))
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	shoff := int(binary.LittleEndian.Uint64(b[0x28:]))
	dep := slices.IndexFunc(f.Sections, func(s *elf.Section) bool { return s.Name == auditSection })
	fn(b, shoff, shoff+dep*64)
	return b
}

func TestHostileExecutables(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		err  string
	}{
		{"too many sections", patched(t, func(b []byte, _, _ int) {
			binary.LittleEndian.PutUint16(b[0x3c:], 0xffff)
		}), "65535 sections, more than 16384"},
		{"section headers past the end", patched(t, func(b []byte, _, _ int) {
			binary.LittleEndian.PutUint64(b[0x28:], 1<<62)
		}), "malformed ELF file"},
		{"extended section count", patched(t, func(b []byte, shoff, _ int) {
			binary.LittleEndian.PutUint16(b[0x3c:], 0)
			binary.LittleEndian.PutUint64(b[shoff+32:], 1<<40) // section 0's sh_size
		}), "malformed ELF file"},
		{"huge audit section", patched(t, func(b []byte, _, dep int) {
			binary.LittleEndian.PutUint64(b[dep+32:], 1<<62)
		}), "over the 4194304 byte limit"},
		{"audit section over the limit", patched(t, func(b []byte, _, dep int) {
			binary.LittleEndian.PutUint64(b[dep+24:], 0) // sh_offset: the file's start
			binary.LittleEndian.PutUint64(b[dep+32:], MaxAuditCompressed+1)
		}), "over the 4194304 byte limit"},
		{"compressed audit section", patched(t, func(b []byte, _, dep int) {
			binary.LittleEndian.PutUint64(b[dep+8:], uint64(elf.SHF_COMPRESSED))
		}), "not audit data"},
		{"not zlib", patched(t, func(b []byte, _, dep int) {
			binary.LittleEndian.PutUint64(b[dep+24:], 0)
		}), "not zlib data"},
		{"zlib bomb", catalogtest.ReadTestdata(t, "hostile/zlib-bomb"), "decompresses to more than 8388608 bytes"},
		{"truncated", catalogtest.ReadTestdata(t, "auditdemo")[:4000], "malformed ELF file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			bounded(t, time.Second, 32<<20, func() { _, err = AuditJSON(tc.data) })
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("AuditJSON: %v, want %q", err, tc.err)
			}
		})
	}
}

// TestZlibBombThroughLayer: the executable filter keeps the 16 KB bomb
// compressed; the cataloger inflates at most MaxAuditJSON of it and warns.
func TestZlibBombThroughLayer(t *testing.T) {
	ext := catalogtest.Layer(t, New(), testimage.File{Name: "usr/bin/bomb", Body: catalogtest.ReadTestdata(t, "hostile/zlib-bomb"), Mode: 0o755})
	bounded(t, time.Second, 32<<20, func() {
		pkgs, warnings := catalogtest.Run(t, New(), layerfs.Merge(ext), nil)
		if len(pkgs) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "decompresses to more than") {
			t.Errorf("packages %v, warnings %v", pkgs, warnings)
		}
	})
}

func TestHostileAuditJSON(t *testing.T) {
	deep := strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20)
	for _, tc := range []struct{ in, err string }{
		{`{"packages":` + deep + `}`, "malformed audit data"},
		{`{"packages":[{"name":"a","version":"1","source":` + deep + `}]}`, "malformed audit data"},
		{`{"format":1}`, `no "packages" list`},
		{`{"packages":[{"name":"a","version":"1","source":{"Other":"svn"}},{"name":"b","version":"2","source":{"x":1}}]}`, "neither a string"},
		{`not json`, "malformed audit data"},
	} {
		var err error
		bounded(t, time.Second, 64<<20, func() { _, _, err = ParseAuditJSON([]byte(tc.in)) })
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%.40s: %v, want %q", tc.in, err, tc.err)
		}
	}
	crates, skipped, err := ParseAuditJSON([]byte(`{"packages":[{"name":"a","version":"1","source":{"Other":"svn"}},{"name":"","version":"2"},{"name":"a b","version":"1"}]}`))
	if err != nil || skipped != 2 || len(crates) != 1 || crates[0].Source != "svn" {
		t.Errorf("%+v, %d skipped, %v", crates, skipped, err)
	}
}

func TestHostileCargoLock(t *testing.T) {
	deepArray := "version = 3\nx = " + strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + "\n"
	deepTable := "version = 3\nx = " + strings.Repeat("{a=", 100_000) + "1" + strings.Repeat("}", 100_000) + "\n"
	var many strings.Builder
	for many.Len() < 15<<20 {
		many.WriteString("[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n")
	}
	huge := bytes.Repeat([]byte("# padding\n"), 2<<20) // 20 MiB
	for name, in := range map[string]string{
		"deep array": deepArray, "deep inline table": deepTable,
		"package is a string": "package = \"x\"\n", "unterminated": "[[package]\nname = \"x",
	} {
		t.Run(name, func(t *testing.T) {
			bounded(t, 5*time.Second, 512<<20, func() {
				pkgs, warnings := run(t, New(), file("app/Cargo.lock", []byte(in)))
				if len(pkgs) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "malformed Cargo.lock") {
					t.Errorf("packages %v, warnings %v", pkgs, warnings)
				}
			})
		})
	}
	t.Run("15 MiB of one package", func(t *testing.T) {
		bounded(t, 10*time.Second, 1<<30, func() {
			pkgs, warnings := run(t, New(), file("app/Cargo.lock", []byte(many.String())))
			if len(pkgs) != 1 || len(warnings) != 0 {
				t.Errorf("%d packages, warnings %v", len(pkgs), warnings)
			}
		})
	})
	t.Run("over the size limit", func(t *testing.T) {
		_, warnings := run(t, New(), file("app/Cargo.lock", huge))
		if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "over the 16777216 byte limit") {
			t.Errorf("warnings %v", warnings)
		}
	})
}
