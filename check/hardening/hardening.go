// Package hardening checks the operating system inside an image the way an
// auditor would check a server: the password policy of /etc/login.defs and
// PAM, the accounts of /etc/passwd and /etc/shadow (empty, guessable and
// legacy password hashes, extra UID 0 accounts), remote login (SSH, telnet,
// rsh and FTP servers, sshd_config, host keys and authorized_keys baked
// into the image), setuid and setgid files beyond a distribution's usual
// set, world-writable files and directories, sudo rules without a password
// and package manager credentials left behind.
//
// Check reads the merged file system of an image (layerfs), so every
// finding names the file, the line and the layer that wrote it, with that
// layer's build instruction. The files whose content it reads are listed in
// Patterns: a scan adds them to its matcher. Modes, sizes and links come
// from the index layerfs keeps of every entry, so the setuid and
// world-writable checks need no content at all.
//
// Secrets are never printed: a finding about a password hash shows the
// hash's scheme, not the hash, and a password found in the list of common
// passwords is named only when Options.RevealPasswords is set.
package hardening

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Patterns are the files whose content Check reads, as layerfs.Matcher
// patterns. A scan that runs Check must capture them.
var Patterns = []string{
	// password policy
	"etc/login.defs",
	"etc/pam.d/*",
	"etc/security/pwquality.conf",
	"etc/security/pwquality.conf.d/*",
	// accounts
	"etc/passwd",
	"etc/shadow",
	// remote login
	"etc/ssh/sshd_config",
	"etc/ssh/sshd_config.d/*",
	"etc/inetd.conf",
	// sudo
	"etc/sudoers",
	"etc/sudoers.d/*",
	// package manager credentials
	"etc/apt/auth.conf",
	"etc/apt/auth.conf.d/*",
	"etc/apt/sources.list",
	"etc/apt/sources.list.d/*",
	"etc/pip.conf",
	"etc/xdg/pip/pip.conf",
	"**/.pip/pip.conf",
	"**/.config/pip/pip.conf",
	"etc/yum.conf",
	"etc/dnf/dnf.conf",
	"etc/yum.repos.d/*",
	"etc/zypp/repos.d/*",
	"etc/zypp/credentials.d/*",
	"etc/apk/repositories",
	"**/.gem/credentials",
	"**/.local/share/gem/credentials",
}

// Options configure Check. The zero value checks everything with the
// default password budget and the bundled list of common passwords.
type Options struct {
	// PasswordBudget bounds the time spent guessing passwords for the whole
	// image (DefaultPasswordBudget when zero; negative: no guessing).
	// Guessing goes breadth first, the most common password for every
	// account before the next one, so a budget that runs out leaves every
	// account tried with the most likely passwords, and a warning says
	// what was not tried.
	PasswordBudget time.Duration
	// MaxGuesses bounds the password hashes computed for the whole image
	// (0: no bound but the time budget). Unlike the time budget it gives
	// the same result on every machine.
	MaxGuesses int
	// Wordlist replaces the bundled list of common passwords.
	Wordlist []string
	// RevealPasswords names the guessed password in the finding's message.
	// Off by default: a report is often shared more widely than the image.
	RevealPasswords bool
	// Workers is the number of passwords hashed at once (GOMAXPROCS when
	// zero).
	Workers int
	// Warn receives the problems that did not stop the check: a file that
	// was too large to read, a hash that was not tried, an include loop.
	Warn func(inventory.Warning)
}

// DefaultPasswordBudget is the time Check spends guessing passwords when
// Options.PasswordBudget is zero. yescrypt, Debian's default, costs about
// 0.2 s a guess in Go on one core: 30 s on two cores try the few hundred
// most common passwords on one account.
const DefaultPasswordBudget = 30 * time.Second

// Check runs every hardening check on the merged file system of an image.
// inv gives the installed packages and each layer's build instruction; it
// may be nil (no package-based checks, no CreatedBy). The error is only
// ever ctx's.
func Check(ctx context.Context, fsys *layerfs.FS, inv *inventory.Inventory, opts Options) ([]check.Finding, error) {
	r := &run{ctx: ctx, fsys: fsys, inv: inv, opts: opts}
	if inv == nil {
		r.inv = &inventory.Inventory{}
	}
	steps := []func(){
		r.checkLoginDefs,
		r.checkPAM,
		r.checkAccounts,
		r.checkRemoteLogin,
		r.checkModes,
		r.checkSudoers,
		r.checkPackageCredentials,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		step()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	check.Sort(r.findings)
	return r.findings, nil
}

// run is the state of one Check.
type run struct {
	ctx      context.Context
	fsys     *layerfs.FS
	inv      *inventory.Inventory
	opts     Options
	findings []check.Finding

	reads    map[string]readResult
	accounts *accountDB  // parsed once, by checkAccounts
	sshd     *sshdConfig // parsed once, by checkRemoteLogin (nil: none)
}

// add records a finding of check def. subject identifies what is wrong
// within the file (a user name, a keyword, a package) for the fingerprint:
// never a secret.
func (r *run) add(def *check.Definition, msg string, ev check.Evidence, subject string) {
	f := check.New(def, msg, ev)
	h := sha256.Sum256([]byte(def.ID + "\x00" + ev.File + "\x00" + ev.Object + "\x00" + subject))
	f.Fingerprint = hex.EncodeToString(h[:16])
	r.findings = append(r.findings, f)
}

// evidence locates a finding in file p (rooted), at line (0: none), written
// by layer.
func (r *run) evidence(p string, line, layer int, snippet string) check.Evidence {
	return check.Evidence{File: rooted(p), Line: line, Layer: layer, CreatedBy: r.createdBy(layer), Snippet: snippet}
}

func (r *run) createdBy(layer int) string {
	if layer >= 0 && layer < len(r.inv.Layers) {
		return r.inv.Layers[layer].CreatedBy
	}
	return ""
}

// warn reports a problem that did not stop the check.
func (r *run) warn(p string, layer int, format string, args ...any) {
	if r.opts.Warn == nil {
		return
	}
	w := inventory.Warning{Layer: layer, Message: "hardening: " + fmt.Sprintf(format, args...)}
	if p != "" {
		w.Path = rooted(p)
	}
	r.opts.Warn(w)
}

// read returns the content of the file at p and the layer that wrote it.
// A missing file gives ok false and no warning; a file that exists but
// could not be read (not captured: over the size limit, or outside
// Patterns) gives ok false and a warning.
func (r *run) read(p string) (data []byte, layer int, ok bool) {
	if res, done := r.reads[p]; done {
		return res.data, res.layer, res.ok
	}
	data, layer, ok = r.readFile(p)
	if r.reads == nil {
		r.reads = map[string]readResult{}
	}
	r.reads[p] = readResult{data, layer, ok}
	return data, layer, ok
}

type readResult struct {
	data  []byte
	layer int
	ok    bool
}

func (r *run) readFile(p string) (data []byte, layer int, ok bool) {
	data, layer, err := r.fsys.ReadFile(p)
	switch {
	case err == nil:
		return data, layer, true
	case errors.Is(err, layerfs.ErrNotCaptured):
		info, _ := r.fsys.Stat(p)
		r.warn(p, info.Layer, "not checked: the content of this file (%d bytes) was not read (over the size limit, or outside the files the check asks for)", info.Size)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, layerfs.ErrNotFile):
	default:
		r.warn(p, -1, "not checked: %v", err)
	}
	return nil, -1, false
}

func rooted(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

// lines splits data into lines, without their line ends.
func lines(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	out := strings.Split(s, "\n")
	if n := len(out); n > 0 && out[n-1] == "" {
		out = out[:n-1]
	}
	return out
}

// snippet shortens a line for evidence.
func snippet(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "..."
	}
	return s
}
