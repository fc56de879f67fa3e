package match

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/vuln"
)

// remediation says what fixes a finding of package p: an action for the
// smallest fixed version above the installed one (fixed is sorted), and
// whether p comes from the base image's layers.
func remediation(inv *inventory.Inventory, p *inventory.Package, t target, fixed []string, base int) vuln.Remediation {
	r := vuln.Remediation{FromBase: base >= 0 && p.Layer >= 0 && p.Layer < base}
	if p.Layer >= 0 && p.Layer < len(inv.Layers) {
		r.CreatedBy = inv.Layers[p.Layer].CreatedBy
	}
	if len(fixed) > 0 {
		r.Action = action(p, t, fixed[0], inv.OS)
	}
	return r
}

// action is the command or edit that installs version fixed (or later) of
// package p, by the package's type.
func action(p *inventory.Package, t target, fixed string, os *inventory.OS) string {
	name := t.name
	switch p.Type {
	case inventory.TypeDeb:
		// The fixed version is the source's; apt upgrades the binary.
		return "apt-get install --only-upgrade " + p.Name
	case inventory.TypeApk:
		return "apk add --upgrade " + p.Name
	case inventory.TypeRPM:
		return rpmUpgrade(os) + " " + p.Name
	case inventory.TypeGolang:
		if name == "stdlib" {
			return "rebuild with Go " + strings.TrimPrefix(fixed, "v") + " or later"
		}
		return "go get " + name + "@v" + strings.TrimPrefix(fixed, "v")
	case inventory.TypeNPM:
		return "npm install " + name + "@" + fixed
	case inventory.TypePyPI:
		return "pip install '" + name + ">=" + fixed + "'"
	case inventory.TypeMaven:
		return "set " + name + " to " + fixed + " in pom.xml or build.gradle"
	case inventory.TypeGem:
		return fmt.Sprintf("set gem '%s', '>= %s' in the Gemfile and run bundle update %s", name, fixed, name)
	case inventory.TypeComposer:
		return "composer update " + name + " --with '" + name + ":>=" + fixed + "'"
	case inventory.TypeCargo:
		return "cargo update -p " + name + " --precise " + fixed
	case inventory.TypeNuGet:
		return "dotnet add package " + p.Name + " --version " + fixed
	}
	return "upgrade " + p.Name + " to " + fixed + " or later"
}

// rpmUpgrade is the upgrade command of an RPM distribution: zypper on
// SUSE, yum before release 8 of the Red Hat family (and on Amazon Linux
// 2, CentOS 7), dnf otherwise (Fedora, Amazon Linux 2023, release 8 on).
func rpmUpgrade(os *inventory.OS) string {
	if os == nil {
		return "dnf upgrade"
	}
	if strings.Contains(os.ID, "suse") || strings.Contains(os.ID, "sles") {
		return "zypper update"
	}
	major, _, _ := strings.Cut(os.VersionID, ".")
	n, err := strconv.Atoi(major)
	if err == nil && n < 8 {
		return "yum update"
	}
	return "dnf upgrade"
}
