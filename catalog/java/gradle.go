package java

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Locked is one dependency of a Gradle lock file.
type Locked struct {
	Group, Artifact, Version string
	// Configurations are the configurations that resolve to this version
	// (compileClasspath, testRuntimeClasspath, ...).
	Configurations []string
}

// maxProblems bounds the problems reported for one file.
const maxProblems = 20

// ParseGradleLockfile reads a Gradle dependency lock file: one
// "group:artifact:version=configuration,..." line per dependency in the
// single-file format of Gradle 6.4 and later (gradle.lockfile), or one
// "group:artifact:version" line in the per-configuration files of earlier
// versions (gradle/dependency-locks/<configuration>.lockfile), for which
// configuration gives the configuration. Comments and the "empty=" line
// are skipped; malformed lines are reported as problems. The format is a
// line list that Gradle writes and no Go library reads.
func ParseGradleLockfile(data []byte, configuration string) (deps []Locked, problems []string) {
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "empty=") {
			continue
		}
		coords, confs, hasConfs := strings.Cut(line, "=")
		parts := strings.Split(coords, ":")
		if len(parts) != 3 || slices.Contains(parts, "") || strings.ContainsAny(coords, " \t") {
			if len(problems) < maxProblems {
				problems = append(problems, fmt.Sprintf("line %d: not group:artifact:version", n+1))
			}
			continue
		}
		d := Locked{Group: parts[0], Artifact: parts[1], Version: parts[2]}
		if hasConfs {
			for _, c := range strings.Split(confs, ",") {
				if c = strings.TrimSpace(c); c != "" {
					d.Configurations = append(d.Configurations, c)
				}
			}
		} else if configuration != "" {
			d.Configurations = []string{configuration}
		}
		deps = append(deps, d)
	}
	return deps, problems
}

// legacyConfiguration returns the configuration of a per-configuration
// lock file (".../gradle/dependency-locks/compileClasspath.lockfile"), or ""
// for a gradle.lockfile.
func legacyConfiguration(p string) string {
	if path.Base(p) == "gradle.lockfile" {
		return ""
	}
	return strings.TrimSuffix(path.Base(p), ".lockfile")
}

// Dev reports whether d is used only to build and test: no configuration
// it is locked for is a compile or runtime classpath of production code.
// Test classpaths (testRuntimeClasspath, androidTestCompileClasspath),
// benchmarks (jmh...) and tools (checkstyle, annotationProcessor,
// kotlinCompilerClasspath) are not.
func (d Locked) Dev() bool {
	return !slices.ContainsFunc(d.Configurations, production)
}

func production(conf string) bool {
	for _, suffix := range []string{"RuntimeClasspath", "CompileClasspath"} {
		if prefix, ok := strings.CutSuffix(conf, suffix); ok {
			p := strings.ToLower(prefix)
			return !strings.Contains(p, "test") && !strings.HasPrefix(p, "jmh")
		}
	}
	switch conf {
	case "compileClasspath", "runtimeClasspath", "compile", "runtime", "default", "implementation", "api":
		return true
	}
	return false
}
