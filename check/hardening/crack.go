package hardening

import (
	"container/heap"
	_ "embed"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-crypt/crypt"
	"github.com/go-crypt/crypt/algorithm"
)

// commonPasswords is the bundled list: see testdata/README.md for its
// sources and license.
//
//go:embed commonpasswords.txt
var commonPasswords string

// CommonPasswords returns the bundled list of common passwords, most
// common first.
func CommonPasswords() []string {
	return strings.Fields(commonPasswords)
}

// Limits on the cost parameters of a hash that is guessed at: one guess of
// a hash over them would take seconds or allocate too much, and a hostile
// image could ask for hours. Such hashes are reported as not checked.
const (
	// maxYescryptMemory bounds yescrypt's 128*r*N bytes: 64 MiB, four times
	// libxcrypt's default (N=4096, r=32: 16 MiB).
	maxYescryptMemory = 64 << 20
	// maxBcryptCost: cost 14 is about one second a guess in Go.
	maxBcryptCost = 14
	// maxSHARounds: a million SHA-512 crypt rounds are about half a
	// second a guess (the default is 5,000).
	maxSHARounds = 1_000_000
)

var (
	yescryptSetting = regexp.MustCompile(`^\$y\$j([./0-9A-Za-z])([./0-9A-Za-z])\$[./0-9A-Za-z]+\$[./0-9A-Za-z]{43}$`)
	bcryptCost      = regexp.MustCompile(`^\$2[abxy]\$([0-9]{2})\$`)
	shaRounds       = regexp.MustCompile(`^\$[56]\$rounds=([0-9]+)\$`)
)

// atoi64 is the value of a character of crypt's base-64 alphabet.
func atoi64(c byte) int {
	return strings.IndexByte("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", c)
}

// guessable says whether the hash can be tried, and if not why; cost is
// the estimated time of one guess, in units of one MD5 crypt (about 0.2 ms
// in Go): the scheduler shares the budget by it.
func guessable(scheme, hash string) (ok bool, why string, cost float64) {
	switch scheme {
	case schemeYescrypt:
		m := yescryptSetting.FindStringSubmatch(hash)
		if m == nil {
			return false, "yescrypt parameters other than the ones libxcrypt generates", 0
		}
		ln, r := atoi64(m[1][0])+1, atoi64(m[2][0])+1
		if ln < 1 || ln > 30 || r < 1 || r > 32 || 128*r<<ln > maxYescryptMemory {
			return false, fmt.Sprintf("yescrypt cost over the limit (N=2^%d, r=%d)", ln, r), 0
		}
		// libxcrypt's default, 16 MiB, costs about 1,000 MD5 crypts
		return true, "", 1000 * float64(128*r<<ln) / (16 << 20)
	case schemeBcrypt:
		m := bcryptCost.FindStringSubmatch(hash)
		if m == nil {
			return false, "malformed bcrypt hash", 0
		}
		c, _ := strconv.Atoi(m[1])
		if c > maxBcryptCost {
			return false, fmt.Sprintf("bcrypt cost %d over the limit of %d", c, maxBcryptCost), 0
		}
		return true, "", float64(int(1)<<c) / 4
	case schemeSHA512, schemeSHA256:
		rounds := 5000
		if m := shaRounds.FindStringSubmatch(hash); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil || n > maxSHARounds {
				return false, fmt.Sprintf("rounds=%s over the limit of %d", m[1], maxSHARounds), 0
			}
			rounds = max(n, 1000) // glibc's minimum
		}
		per := 12.0
		if scheme == schemeSHA256 {
			per = 6
		}
		return true, "", per * float64(rounds) / 5000
	case schemeMD5:
		return true, "", 1
	}
	// traditional DES, bigcrypt, BSDi, NT, Sun MD5, SHA-1 crypt, scrypt and
	// gost-yescrypt have no maintained Go implementation
	return false, "no Go implementation of " + scheme, 0
}

// target is one account whose password is guessed at.
type target struct {
	acct   *account
	digest algorithm.Digest
	cands  []string
	cost   float64 // of one guess
	next   int     // the next candidate to hand out
	spent  float64 // cost of the guesses handed out
	tried  atomic.Int64
	found  atomic.Pointer[string]
}

// targetQueue orders targets by the time spent on them so far: the
// scheduler always hands out a guess for the least served account, so
// cheap hashes are tried in full while slow ones share what is left, and
// every account gets its share of the most common passwords.
type targetQueue []*target

func (q targetQueue) Len() int { return len(q) }
func (q targetQueue) Less(i, j int) bool {
	// by when the next guess would be done: a cheap hash goes before a
	// slow one that has had as much time
	a, b := q[i].spent+q[i].cost, q[j].spent+q[j].cost
	if a != b {
		return a < b
	}
	return q[i].acct.line < q[j].acct.line
}
func (q targetQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *targetQueue) Push(x any)   { *q = append(*q, x.(*target)) }
func (q *targetQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}

// crack guesses the passwords of usable hashes (OS-007): first the
// account's own name, then the list in order, within the budget, sharing
// the time between accounts by the cost of their hashes (targetQueue).
func (r *run) crack(db *accountDB) {
	budget := r.opts.PasswordBudget
	if budget == 0 {
		budget = DefaultPasswordBudget
	}
	if budget < 0 {
		return
	}
	words := r.opts.Wordlist
	if words == nil {
		words = CommonPasswords()
	}
	decoder, err := crypt.NewDecoderAll()
	if err != nil {
		r.warn("", -1, "password guessing unavailable: %v", err)
		return
	}
	var targets []*target
	notChecked := map[string][]string{} // reason -> accounts
	for _, a := range db.accounts {
		if !a.usable {
			continue
		}
		ok, why, cost := guessable(a.scheme, a.hash)
		if !ok {
			notChecked[why] = append(notChecked[why], a.passwd.Name)
			continue
		}
		d, err := decodeDigest(decoder, a.hash)
		if err != nil {
			notChecked["hash the library cannot read"] = append(notChecked["hash the library cannot read"], a.passwd.Name)
			continue
		}
		cands := make([]string, 0, len(words)+1)
		cands = append(cands, a.passwd.Name)
		for _, w := range words {
			if w != a.passwd.Name {
				cands = append(cands, w)
			}
		}
		targets = append(targets, &target{acct: a, digest: d, cands: cands, cost: cost})
	}
	for why, names := range notChecked {
		r.warn(shadowPath, db.shadowLayer, "passwords not checked against the common-password list for %s: %s", nameList(names), why)
	}
	if len(targets) == 0 {
		return
	}

	workers := r.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	deadline := time.Now().Add(budget)
	var guesses atomic.Int64
	stopped := ""
	jobs := make(chan func())
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	queue := targetQueue(slices.Clone(targets))
	heap.Init(&queue)
feed:
	for queue.Len() > 0 {
		t := heap.Pop(&queue).(*target)
		if t.next >= len(t.cands) || t.found.Load() != nil {
			continue // done: leaves the queue
		}
		switch {
		case r.ctx.Err() != nil:
			stopped = "the scan was cancelled"
			break feed
		case time.Now().After(deadline):
			stopped = fmt.Sprintf("the time budget (%s) ran out", budget)
			break feed
		case r.opts.MaxGuesses > 0 && guesses.Load() >= int64(r.opts.MaxGuesses):
			stopped = fmt.Sprintf("the budget of %d guesses ran out", r.opts.MaxGuesses)
			break feed
		}
		guesses.Add(1)
		w := t.cands[t.next]
		t.next++
		t.spent += t.cost
		heap.Push(&queue, t)
		jobs <- func() {
			if t.found.Load() != nil {
				return
			}
			t.tried.Add(1)
			if matches(t.digest, w) {
				t.found.Store(&w)
			}
		}
	}
	close(jobs)
	wg.Wait()

	var partial []string
	for _, t := range targets {
		a := t.acct
		if w := t.found.Load(); w != nil {
			msg := fmt.Sprintf("the password of account %s (%s) is in the common-password list", a.passwd.Name, a.scheme)
			if *w == a.passwd.Name {
				msg = fmt.Sprintf("the password of account %s (%s) is the account's name", a.passwd.Name, a.scheme)
			}
			if r.opts.RevealPasswords {
				msg += fmt.Sprintf(": %q", *w)
			}
			r.add(defCommonPassword, msg, r.accountEvidence(a), a.passwd.Name)
			continue
		}
		if n := t.tried.Load(); n < int64(len(t.cands)) {
			partial = append(partial, fmt.Sprintf("%s (%s): %d of %d", a.passwd.Name, a.scheme, n, len(t.cands)))
		}
	}
	if len(partial) > 0 {
		r.warn(shadowPath, db.shadowLayer, "password guessing stopped because %s after %d guesses; not every candidate was tried for %s", stopped, guesses.Load(), nameList(partial))
	}
}

// decodeDigest decodes a hash with the library, which must not take the
// scan down on a hash it mishandles.
func decodeDigest(d *crypt.Decoder, hash string) (dg algorithm.Digest, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder panic: %v", p)
		}
	}()
	return d.Decode(hash)
}

func matches(d algorithm.Digest, password string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return d.Match(password)
}

// nameList joins up to 10 names and says how many more there are.
func nameList(names []string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}
