#!/usr/bin/env bash
# bench/compare-syft.sh - compare the packages `vigil sbom` finds with the
# packages Syft finds, per ecosystem, on the same sources. A report, not a
# test: exits 0 whatever the numbers (non-zero only if the comparison itself
# cannot run). See bench/README.md, "Comparing with Syft".
#
# Usage: bench/compare-syft.sh [--keep] [--no-default] [SOURCE...]
#   SOURCE          docker-archive:FILE or dir:PATH (more may be given)
#   --no-default    do not scan the default sources (the bookworm and "lang"
#                   test images from scripts/env.sh, as docker-archive:)
#   --keep          keep the temp dir (vigil binary and both tools' SBOMs)
#   --bin PATH      use this vigil binary instead of building ./cmd/vigil
#
# Environment:
#   VIGIL_BENCH_CACHE     cache dir (default /var/cache/vigil-bench): holds
#                         bin/syft (Syft v1.57.0, built once with go install)
#   SYFT_DIR_CATALOGERS   the --override-default-catalogers Syft gets for dir:
#                         sources (default "image": a dir here is a root
#                         filesystem, and vigil scans it as one; Syft's
#                         "directory" set would read lock files instead of
#                         installed node_modules). Set it empty for Syft's
#                         own default.
set -uo pipefail

SYFT_VERSION=v1.57.0
KEEP=""
DEFAULTS=1
PREBUILT=""
SOURCES=()
while (($#)); do
	case $1 in
	--keep) KEEP=1; shift ;;
	--no-default) DEFAULTS=""; shift ;;
	--bin) PREBUILT=${2:?--bin needs a path}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	docker-archive:* | dir:*) SOURCES+=("$1"); shift ;;
	*) echo "bench/compare-syft.sh: unsupported argument $1 (want docker-archive:FILE or dir:PATH; try --help)" >&2; exit 2 ;;
	esac
done

say() { printf '[compare] %s\n' "$*" >&2; }
die() { printf '[compare] FATAL: %s\n' "$*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
command -v python3 >/dev/null || die "python3 is needed to compare the SBOMs"
command -v go >/dev/null || die "go is needed to build vigil and Syft"

CACHE=${VIGIL_BENCH_CACHE:-/var/cache/vigil-bench}
SYFT=$CACHE/bin/syft
SYFT_DIR_CATALOGERS=${SYFT_DIR_CATALOGERS-image}
mkdir -p "$CACHE/bin" || die "cannot create $CACHE"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-compare.XXXXXX") || die "mktemp failed"
if [[ -z $KEEP ]]; then trap 'rm -rf "$TMP"' EXIT; else say "keeping $TMP"; fi

########################################################################
# Syft, built once
if [[ ! -x $SYFT ]]; then
	say "building Syft $SYFT_VERSION into $CACHE/bin (once; several minutes)"
	if ! (cd "$TMP" && GOWORK=off GOFLAGS='' GOBIN=$CACHE/bin \
		go install "github.com/anchore/syft/cmd/syft@$SYFT_VERSION") >"$TMP/syft-build.log" 2>&1; then
		tail -n 30 "$TMP/syft-build.log" >&2
		die "go install github.com/anchore/syft/cmd/syft@$SYFT_VERSION failed (see above)"
	fi
fi
# `go install` builds carry the module version in the binary's build info
say "syft: $SYFT ($(go version -m "$SYFT" 2>/dev/null | awk '$1 == "mod" {print $2, $3; exit}'))"

########################################################################
# vigil
if [[ -n $PREBUILT ]]; then
	VIGIL=$(realpath "$PREBUILT") || die "--bin $PREBUILT: not found"
else
	say "building vigil (go build ./cmd/vigil)"
	go build -o "$TMP/vigil" ./cmd/vigil || die "go build ./cmd/vigil failed"
	VIGIL=$TMP/vigil
fi

########################################################################
# default sources: the bookworm fixture and the "lang" image (Debian
# library packages plus one application layer per ecosystem; built by
# scripts/env.sh from scan/testdata/lang)
if [[ -n $DEFAULTS ]]; then
	say "setting up fixtures (scripts/env.sh)"
	# shellcheck source=../scripts/env.sh
	. scripts/env.sh || die "scripts/env.sh failed"
	SOURCES=("docker-archive:$VIGIL_TEST_ARCHIVE" "docker-archive:$VIGIL_TEST_LANG_ARCHIVE" "${SOURCES[@]}")
fi
((${#SOURCES[@]})) || die "no sources (--no-default and no SOURCE arguments)"

########################################################################
# scan every source with both tools
i=0
PAIRS=()
for src in "${SOURCES[@]}"; do
	i=$((i + 1))
	sargs=(scan "$src" -o "syft-json=$TMP/$i.syft.json" -q)
	if [[ $src == dir:* && -n $SYFT_DIR_CATALOGERS ]]; then
		sargs+=(--override-default-catalogers "$SYFT_DIR_CATALOGERS")
	fi
	say "[$i] syft ${sargs[*]}"
	t0=$SECONDS
	if ! SYFT_CHECK_FOR_APP_UPDATE=false "$SYFT" "${sargs[@]}" 2>"$TMP/$i.syft.err"; then
		tail -n 20 "$TMP/$i.syft.err" >&2
		say "[$i] syft failed on $src; skipping it"
		continue
	fi
	say "[$i] syft: $((SECONDS - t0)) s"
	say "[$i] vigil sbom $src --format json -q --no-cache"
	t0=$SECONDS
	if ! "$VIGIL" sbom "$src" --format json -q --no-cache -o "$TMP/$i.vigil.json" 2>"$TMP/$i.vigil.err"; then
		tail -n 20 "$TMP/$i.vigil.err" >&2
		say "[$i] vigil failed on $src; skipping it"
		continue
	fi
	say "[$i] vigil: $((SECONDS - t0)) s"
	PAIRS+=("$src" "$TMP/$i.syft.json" "$TMP/$i.vigil.json")
done
((${#PAIRS[@]})) || die "no source could be scanned by both tools"

########################################################################
# compare
python3 - "${PAIRS[@]}" <<'PY'
import json, re, sys
from collections import defaultdict

# Syft artifact type -> common ecosystem key (vigil's type names)
SYFT_TYPES = {
    "deb": "deb", "apk": "apk", "rpm": "rpm", "npm": "npm",
    "python": "pypi", "go-module": "golang", "java-archive": "maven",
    "jenkins-plugin": "maven", "gem": "gem", "rust-crate": "cargo",
    "php-composer": "composer", "dotnet": "nuget",
}
VIGIL_TYPES = {"deb": "deb", "apk": "apk", "rpm": "rpm", "npm": "npm",
               "pypi": "pypi", "golang": "golang", "maven": "maven",
               "gem": "gem", "cargo": "cargo", "composer": "composer",
               "nuget": "nuget"}

def maven_name(purl, name):
    # Syft names a Java package by its artifactId, vigil by
    # groupId:artifactId; both write pkg:maven/<group>/<artifact>@<version>
    if purl.startswith("pkg:maven/"):
        path = purl[len("pkg:maven/"):].split("@")[0].split("?")[0]
        if "/" in path:
            group, artifact = path.rsplit("/", 1)
            return group + ":" + artifact
    return name

def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def go_version(v):
    # A main module built outside version control has no version: Go stamps
    # "(devel)" in the binary; Syft 1.57 reports it as "UNKNOWN" (or
    # "(devel)"), vigil as "". All mean "no version": key them "(devel)".
    return "(devel)" if v in ("", "(devel)", "UNKNOWN") else v

def stdlib_version(v):
    # the toolchain: Syft keeps Go's "go1.26.8", vigil writes semver
    # "v1.26.8"; key both as "go1.26.8"
    return "go" + re.sub(r"^(go|v)", "", v) if v else v

def key(eco, name, version):
    if eco == "pypi":
        name = pep503(name)
    if eco == "golang":
        # the Go standard library: Syft names it "stdlib" (version goX.Y.Z);
        # accept "go" too
        if name in ("go", "stdlib"):
            name, version = "stdlib", stdlib_version(version)
        else:
            version = go_version(version)
    return (eco, name, version or "")

DUPS = defaultdict(lambda: defaultdict(int))  # tool -> eco -> duplicate count

SYFT_LOCS = {}  # (eco, name, version) -> Syft's locations

def owned_files(path):
    # files that vigil's OS packages own (their databases' file lists)
    owned = set()
    for p in json.load(open(path)).get("packages") or []:
        if p.get("type") in ("deb", "apk", "rpm"):
            owned.update(p.get("files") or [])
    return owned

def syft_set(path):
    out = defaultdict(set)
    for a in json.load(open(path)).get("artifacts", []):
        t = a.get("type", "")
        eco = SYFT_TYPES.get(t, "syft:" + t)
        name = a.get("name", "")
        if eco == "maven":
            name = maven_name(a.get("purl", ""), name)
        k = key(eco, name, a.get("version", ""))
        SYFT_LOCS.setdefault(k, set()).update(
            l.get("path", "") for l in a.get("locations") or [])
        if k[1:] in out[eco]:
            DUPS["syft"][eco] += 1
        out[eco].add(k[1:])
    return out

def vigil_set(path):
    out = defaultdict(set)
    for p in json.load(open(path)).get("packages") or []:
        t = p.get("type", "")
        eco = VIGIL_TYPES.get(t, "vigil:" + t)
        name = p.get("name", "")
        if eco == "maven":
            name = maven_name(p.get("purl", ""), name)
        k = key(eco, name, p.get("version", ""))
        if k[1:] in out[eco]:
            DUPS["vigil"][eco] += 1
        out[eco].add(k[1:])
    return out

ORDER = ["deb", "apk", "rpm", "pypi", "npm", "golang", "maven", "gem", "cargo", "composer", "nuget"]
args = sys.argv[1:]
for i in range(0, len(args), 3):
    src, sp, vp = args[i:i + 3]
    DUPS.clear()
    s, v = syft_set(sp), vigil_set(vp)
    owned = owned_files(vp)
    ecos = [e for e in ORDER if e in s or e in v] + sorted(
        e for e in set(s) | set(v) if e not in ORDER)
    print()
    print("=" * 78)
    print(f"source: {src}")
    print("=" * 78)
    hdr = f"{'ecosystem':<14} {'syft':>6} {'vigil':>6} {'common':>7} {'recall':>8} {'extras':>7}"
    print(hdr)
    print("-" * len(hdr))
    tot = [0, 0, 0, 0]
    details = []
    for e in ecos:
        se, ve = s.get(e, set()), v.get(e, set())
        common = se & ve
        missing, extra = sorted(se - ve), sorted(ve - se)
        rec = f"{100.0 * len(common) / len(se):.1f}%" if se else "-"
        print(f"{e:<14} {len(se):>6} {len(ve):>6} {len(common):>7} {rec:>8} {len(extra):>7}")
        tot[0] += len(se); tot[1] += len(ve); tot[2] += len(common); tot[3] += len(extra)
        if missing or extra:
            details.append((e, missing, extra))
    rec = f"{100.0 * tot[2] / tot[0]:.1f}%" if tot[0] else "-"
    print("-" * len(hdr))
    print(f"{'total':<14} {tot[0]:>6} {tot[1]:>6} {tot[2]:>7} {rec:>8} {tot[3]:>7}")
    for tool in ("syft", "vigil"):
        for e, n in sorted(DUPS[tool].items()):
            print(f"({tool} lists {n} more {e} entr{'y' if n == 1 else 'ies'} with a key it"
                  " already has; counts are of distinct keys)")
    for e, missing, extra in details:
        print()
        # Syft reports language packages that an OS package installed (a
        # Debian gem, jar or egg-info); vigil reports those once, as the OS
        # package (catalog.Run): explained, listed apart.
        os_owned = [m for m in missing if SYFT_LOCS.get((e,) + m) and SYFT_LOCS[(e,) + m] <= owned]
        missing = [m for m in missing if m not in os_owned]
        if os_owned:
            print(f"{e}: only Syft, read from files an OS package owns ({len(os_owned)}; by design):")
            print("    " + ", ".join(f"{n} {ver}" for n, ver in os_owned))
        if missing:
            print(f"{e}: only Syft ({len(missing)}):")
            for n, ver in missing:
                print(f"    {n} {ver}")
        if extra:
            print(f"{e}: only vigil ({len(extra)}):")
            for n, ver in extra:
                print(f"    {n} {ver}")
print()
print("recall = common / syft; extras = vigil packages Syft does not list.")
print("Packages Syft reads from files that an OS package owns count against recall")
print("but are listed apart: vigil reports them once, as the OS package.")
print("Keys are (ecosystem, name, version); Python names PEP 503-normalised;")
print("Go: the toolchain is 'stdlib goX.Y.Z' (vigil's vX.Y.Z, Syft's goX.Y.Z); a module")
print("without a version (Syft 'UNKNOWN'/'(devel)', vigil '') is '(devel)'.")
PY
exit 0
