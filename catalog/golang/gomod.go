package golang

import (
	"runtime/debug"

	"golang.org/x/mod/modfile"
)

// GoModModules returns the modules a go.mod file names: its main module
// first (with an empty version), then every requirement with the replace
// directives applied, in file order. name is used in error messages.
func GoModModules(name string, data []byte) ([]Module, error) {
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		return nil, err
	}
	var mods []Module
	if f.Module != nil && f.Module.Mod.Path != "" {
		mods = append(mods, Module{Path: f.Module.Mod.Path, Main: true})
	}
	// A replace directive with a version applies to that version only, and
	// wins over one without.
	exact := map[[2]string]*modfile.Replace{}
	anyVersion := map[string]*modfile.Replace{}
	for _, r := range f.Replace {
		if r.Old.Version == "" {
			anyVersion[r.Old.Path] = r
		} else {
			exact[[2]string{r.Old.Path, r.Old.Version}] = r
		}
	}
	for _, r := range f.Require {
		rep := exact[[2]string{r.Mod.Path, r.Mod.Version}]
		if rep == nil {
			rep = anyVersion[r.Mod.Path]
		}
		var m Module
		if rep == nil {
			m = replaced(r.Mod.Path, r.Mod.Version, nil)
		} else {
			m = replaced(r.Mod.Path, r.Mod.Version, &debug.Module{Path: rep.New.Path, Version: rep.New.Version})
		}
		m.Indirect = r.Indirect
		mods = append(mods, m)
	}
	return mods, nil
}
