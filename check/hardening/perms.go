package hardening

import (
	_ "embed"
	"fmt"
	"path"
	"strings"

	"github.com/vigil-dev/vigil/layerfs"
)

// Special mode bits as tar (and layerfs) record them.
const (
	modeSetuid = 0o4000
	modeSetgid = 0o2000
	modeSticky = 0o1000
)

//go:embed setid.txt
var setidBaseline string

type setidEntry struct {
	pattern string
	bits    int64
	pkg     string
}

// parseSetidBaseline reads setid.txt.
func parseSetidBaseline(s string) []setidEntry {
	var out []setidEntry
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		var bits int64
		if strings.Contains(f[1], "u") {
			bits |= modeSetuid
		}
		if strings.Contains(f[1], "g") {
			bits |= modeSetgid
		}
		out = append(out, setidEntry{pattern: f[0], bits: bits, pkg: f[2]})
	}
	return out
}

var setidEntries = parseSetidBaseline(setidBaseline)

// usrMerged reads bin/, sbin/ and lib/ as usr/bin, usr/sbin and usr/lib: a
// distribution that has not merged /usr (Debian before 12, Alpine) keeps
// the same programs there.
func usrMerged(p string) string {
	for _, d := range []string{"bin/", "sbin/", "lib/"} {
		if strings.HasPrefix(p, d) {
			return "usr/" + p
		}
	}
	return p
}

// usualSetid says whether a file with the special bits bits at p is in the
// baseline, and if not, whether its name is that of a baseline program
// (a known setuid program in an unusual place).
func usualSetid(p string, bits int64) (usual bool, knownAs string) {
	q := usrMerged(p)
	for _, e := range setidEntries {
		if ok, _ := path.Match(e.pattern, q); ok {
			if bits&^e.bits == 0 {
				return true, ""
			}
			return false, ""
		}
	}
	base := path.Base(q)
	for _, e := range setidEntries {
		if path.Base(e.pattern) == base {
			return false, "/" + strings.ReplaceAll(e.pattern, "*", "ARCH") + " (" + e.pkg + ")"
		}
	}
	return false, ""
}

// Temporary directories: world-writable with the sticky bit is their
// normal state. /run/lock is so in Debian's base system.
var tempDirs = []string{"tmp", "var/tmp", "dev/shm", "run/lock", "var/lock"}

func underTemp(p string) bool {
	for _, d := range tempDirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// maxModeFindings bounds the findings of each mode check: an image that
// makes a whole tree world-writable gets the first ones and a warning.
const maxModeFindings = 200

// checkModes: OS-020 to OS-023, in one walk over the index of every entry
// (modes need no content).
func (r *run) checkModes() {
	var setid, files, dirs int
	_ = r.fsys.Walk(func(info layerfs.Info) error {
		if bits := info.Mode & (modeSetuid | modeSetgid); bits != 0 && info.Type == layerfs.TypeFile {
			if usual, knownAs := usualSetid(info.Path, bits); !usual {
				if setid++; setid <= maxModeFindings {
					r.reportSetID(info, knownAs)
				}
			}
		}
		if info.Mode&0o002 != 0 {
			r.checkWorldWritable(info, &files, &dirs)
		}
		return nil
	})
	if setid > maxModeFindings {
		r.warn("", -1, "%d unexpected setuid/setgid files: only the first %d are reported", setid, maxModeFindings)
	}
	if files > maxModeFindings || dirs > maxModeFindings {
		r.warn("", -1, "%d world-writable files and %d directories: only the first %d of each are reported", files, dirs, maxModeFindings)
	}
}

// reportSetID: OS-020 or OS-021 for an unexpected regular file with a
// special bit (a setgid directory only makes new files inherit its group).
func (r *run) reportSetID(info layerfs.Info, knownAs string) {
	bits := info.Mode & (modeSetuid | modeSetgid)
	what := "setuid"
	switch bits {
	case modeSetgid:
		what = "setgid"
	case modeSetuid | modeSetgid:
		what = "setuid and setgid"
	}
	msg := fmt.Sprintf("/%s is %s (mode %04o) and not one of the usual setuid/setgid programs", info.Path, what, info.Mode&0o7777)
	if knownAs != "" {
		msg = fmt.Sprintf("/%s is %s (mode %04o): a program of that name is usually at %s, not here", info.Path, what, info.Mode&0o7777, knownAs)
	}
	ev := r.evidence(info.Path, 0, info.Layer, fmt.Sprintf("mode %04o", info.Mode&0o7777))
	if bits&modeSetuid != 0 {
		r.add(defSetuid, msg, ev, info.Path)
	} else {
		r.add(defSetgid, msg, ev, info.Path)
	}
}

// checkWorldWritable: OS-022 and OS-023 for a world-writable entry.
// Symbolic links (always 0777) and devices are not written through their
// mode; /proc and /sys are not part of an image. files and dirs count what
// was found, the findings stop at maxModeFindings of each.
func (r *run) checkWorldWritable(info layerfs.Info, files, dirs *int) {
	p := info.Path
	if p == "proc" || strings.HasPrefix(p, "proc/") || p == "sys" || strings.HasPrefix(p, "sys/") {
		return
	}
	mode := info.Mode & 0o7777
	ev := r.evidence(p, 0, info.Layer, fmt.Sprintf("mode %04o", mode))
	switch info.Type {
	case layerfs.TypeFile:
		if underTemp(p) {
			return
		}
		if *files++; *files <= maxModeFindings {
			r.add(defWorldWritableFile, fmt.Sprintf("/%s is writable by every user (mode %04o)", p, mode), ev, p)
		}
	case layerfs.TypeDir:
		sticky := info.Mode&modeSticky != 0
		if sticky && underTemp(p) {
			return
		}
		msg := fmt.Sprintf("/%s is writable by every user (mode %04o) and has no sticky bit: anyone can delete or replace the files of others in it", p, mode)
		if sticky {
			msg = fmt.Sprintf("/%s is writable by every user (mode %04o) and is not a temporary directory", p, mode)
		}
		if *dirs++; *dirs <= maxModeFindings {
			r.add(defWorldWritableDir, msg, ev, p)
		}
	}
}
