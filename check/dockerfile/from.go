package dockerfile

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/vigil-dev/vigil/check"
)

// metaEnv holds the defaults of the ARGs before the first FROM, which FROM
// may use. Values given with --build-arg are not known here.
type metaEnv map[string]string

func (m metaEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }

func (m metaEnv) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func (f *file) metaEnv() metaEnv {
	env := metaEnv{}
	for _, a := range f.metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				v, _, err := shell.NewLex(f.escape).ProcessWord(*kv.Value, env)
				if err == nil {
					env[kv.Key] = v
				}
			}
		}
	}
	return env
}

// expandBase returns stage i's FROM image with ARG defaults substituted,
// and false when a variable has no default (the base is then unknown).
func (f *file) expandBase(i int) (string, bool) {
	res, err := shell.NewLex(f.escape).ProcessWordWithMatches(f.stages[i].BaseName, f.metaEnv())
	if err != nil || len(res.Unmatched) > 0 || res.Result == "" {
		return "", false
	}
	return res.Result, true
}

// checkFrom reports stage i's base image when it is not pinned by digest.
func (f *file) checkFrom(i int) []check.Finding {
	st := &f.stages[i]
	base, ok := f.expandBase(i)
	if !ok || strings.EqualFold(base, "scratch") || f.stageIndex(i, base) >= 0 {
		return nil
	}
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		return nil // BuildKit would refuse it too: not this check's business
	}
	if _, ok := named.(reference.Digested); ok {
		return nil
	}
	ev := f.fromEvidence(st)
	shown := base
	if base != st.BaseName {
		shown = fmt.Sprintf("%s (%s)", base, st.BaseName)
	}
	tagged, ok := named.(reference.Tagged)
	if !ok || tagged.Tag() == "latest" {
		return []check.Finding{check.New(&LatestBase, "FROM "+shown+" takes whatever image is latest", ev)}
	}
	return []check.Finding{check.New(&UnpinnedBase, "FROM "+shown+" is a tag without a digest", ev)}
}
