#!/usr/bin/env bash
# scripts/test.sh - THE test command of vigil (CI runs it through .ci/run).
#
# 1. Sets up the test environment with scripts/env.sh (packages, dockerd,
#    a local registry, image fixtures built once into
#    ${VIGIL_FIXTURES:-/var/cache/vigil-fixtures}) and exports its variables;
#    any setup failure aborts with a non-zero exit. Exported for the tests
#    (details in scripts/env.sh):
#      VIGIL_TEST_FIXTURES      fixture dir
#      VIGIL_TEST_ROOTFS        debootstrapped bookworm minbase rootfs dir
#      VIGIL_TEST_ARCHIVE       bookworm.tar: docker-archive from `docker save`
#                               (legacy format: not an oci-archive with dockerd 20.10)
#      VIGIL_TEST_OCI           bookworm-oci: OCI image layout dir
#      VIGIL_TEST_OCI_ARCHIVE   bookworm-oci.tar: oci-archive (tar of that layout)
#      VIGIL_TEST_REGISTRY      127.0.0.1:PORT (plain HTTP)
#      VIGIL_TEST_REGISTRY_REF  127.0.0.1:PORT/vigil-test/bookworm:latest
#      VIGIL_TEST_DOCKER_REF    vigil-test/bookworm:latest (in the local dockerd)
#      VIGIL_TEST_DPKG          bookworm.dpkg.txt: expected "Package Version Arch" lines, sorted
#      VIGIL_REQUIRE_ENV=1      tests that need the above must FAIL, not skip, when one is missing
# 2. Lint: go vet, gofmt -l (must print nothing), staticcheck (pinned
#    version, built once into $VIGIL_TEST_FIXTURES/tools/<go version>/).
# 3. go test -count=1.
# All checks run even if an earlier one failed; the exit status is non-zero
# if any failed. Timings of every phase are printed at the end.
#
# Usage: scripts/test.sh [go test flags...] [package patterns...]
#   scripts/test.sh                          everything (./...)
#   scripts/test.sh -run Foo ./image/...     only ./image/... and tests matching Foo
#   scripts/test.sh -v -race ./layerfs
# An argument that is ".", or starts with "./" or "../", is a package
# pattern (default ./...); every other argument is passed to `go test` as is,
# in order (so write flag values that start with ./ as -flag=./value).
# go vet, staticcheck and gofmt check the same packages as go test (with the
# default ./..., gofmt checks every .go file outside testdata). -count=1 is
# added unless a -count flag is given.
#
# Environment: VIGIL_LINT=0 skips vet/gofmt/staticcheck for a quick local
# loop (announced; CI never sets it). VIGIL_FIXTURES: fixture dir.

set -uo pipefail

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2; supports go1.26

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 1
cd "$ROOT" || exit 1

say() { printf '[test.sh] %s\n' "$*" >&2; }
die() {
	printf '\n[test.sh] FATAL: %s\n\n' "$*" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

T_START=$(now)
SUMMARY=()
FAILED=()
# check NAME CMD...: run one check, record time and result; never exits.
check() {
	local name=$1 t0 rc dt
	shift
	say "---- $name"
	t0=$(now)
	"$@"
	rc=$?
	dt=$(since "$t0")
	if ((rc == 0)); then
		SUMMARY+=("$(printf '%-12s %7ss  ok' "$name" "$dt")")
	else
		SUMMARY+=("$(printf '%-12s %7ss  FAILED (exit %d)' "$name" "$dt" "$rc")")
		FAILED+=("$name")
		say "$name FAILED (exit $rc)"
	fi
}

# ---- arguments
PKGS=()
FLAGS=()
HAVE_COUNT=""
for a in "$@"; do
	case $a in
	. | ./* | ../*) PKGS+=("$a") ;;
	-count | -count=* | --count | --count=*) HAVE_COUNT=1 FLAGS+=("$a") ;;
	*) FLAGS+=("$a") ;;
	esac
done
((${#PKGS[@]})) || PKGS=(./...)
[[ -n $HAVE_COUNT ]] || FLAGS=(-count=1 "${FLAGS[@]}")

command -v go >/dev/null || die "go not found in PATH"

# ---- 1. environment (fatal on failure)
say "---- setup (scripts/env.sh)"
t0=$(now)
env_out=$("$ROOT/scripts/env.sh") || die "test environment setup failed (messages above); not running tests"
eval "$env_out" || die "cannot evaluate the output of scripts/env.sh"
[[ ${VIGIL_REQUIRE_ENV:-} == 1 && -n ${VIGIL_TEST_FIXTURES:-} ]] || die "scripts/env.sh did not export the test variables"
SUMMARY+=("$(printf '%-12s %7ss  ok' setup "$(since "$t0")")")
say "environment:"
printf '%s\n' "$env_out" | sed 's/^/    /' >&2

# ---- 2. lint
gofmt_check() {
	local files out dirs
	if [[ ${PKGS[*]} == ./... ]]; then
		# every .go file; the go tool ignores testdata and dirs starting with . or _: so do we
		files=$(find . \( -name testdata -o -name vendor -o -name '.?*' -o -name '_*' \) -prune -o -type f -name '*.go' -print) || return 1
	else
		# the .go files of the selected packages only
		dirs=$(go list -e -f '{{.Dir}}' "${PKGS[@]}") || return 1
		files=$(for d in $dirs; do find "$d" -maxdepth 1 -type f -name '*.go'; done | sed "s|^$ROOT/|./|")
	fi
	[[ -n $files ]] || return 0
	out=$(printf '%s\n' "$files" | xargs gofmt -l) || {
		printf '%s\n' "$out"
		return 1
	}
	if [[ -n $out ]]; then
		say "gofmt: these files need 'gofmt -w':"
		printf '    %s\n' $out >&2
		return 1
	fi
}

staticcheck_run() {
	local dir bin
	dir=$VIGIL_TEST_FIXTURES/tools/$(go env GOVERSION)/staticcheck-$STATICCHECK_VERSION
	bin=$dir/staticcheck
	if [[ ! -x $bin ]]; then
		say "installing staticcheck $STATICCHECK_VERSION into $dir"
		mkdir -p "$dir" || return 1
		# outside the module (cd /): its dependencies are not vigil's
		(cd / && GOBIN=$dir GOFLAGS=-buildvcs=false GOTOOLCHAIN=local \
			go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION") || {
			say "go install staticcheck@$STATICCHECK_VERSION failed"
			return 1
		}
	fi
	"$bin" "${PKGS[@]}"
}

if [[ ${VIGIL_LINT:-1} == 0 ]]; then
	say "!!!! VIGIL_LINT=0: SKIPPING go vet, gofmt and staticcheck !!!!"
	SUMMARY+=("$(printf '%-12s %7s   SKIPPED (VIGIL_LINT=0)' lint -)")
else
	check go-vet go vet "${PKGS[@]}"
	check gofmt gofmt_check
	check staticcheck staticcheck_run
fi

# ---- 3. tests
check go-test go test "${FLAGS[@]}" "${PKGS[@]}"

# ---- summary
say "---- summary"
for l in "${SUMMARY[@]}"; do say "  $l"; done
say "  total        $(since "$T_START")s"
if ((${#FAILED[@]})); then
	say "FAILED: ${FAILED[*]}"
	exit 1
fi
say "all checks passed"
