#!/usr/bin/env bash
# scripts/fuzz.sh - run every Go fuzz target for FUZZTIME (default 30s) each.
# Usage: FUZZTIME=1m scripts/fuzz.sh [package patterns...]   (default ./...)
# Targets are discovered with `go test -list '^Fuzz'`; `go test -fuzz` takes
# one target of one package at a time, so they run one after another. The
# test environment (scripts/env.sh) is set up first, as targets may use
# fixtures. Exits non-zero if listing fails or any target fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FUZZTIME=${FUZZTIME:-30s}
(($#)) || set -- ./...

env_out=$(scripts/env.sh) || { echo "fuzz.sh: test environment setup failed" >&2; exit 1; }
eval "$env_out"

# `go test -list` prints a package's matching names, then "ok <pkg> ..." for it
list=$(go test -list '^Fuzz' "$@") || { echo "$list" >&2; echo "fuzz.sh: go test -list failed" >&2; exit 1; }
targets=$(awk '/^Fuzz/ {names[++n] = $1; next}
	/^ok[ \t]/ {for (i = 1; i <= n; i++) print $2, names[i]; n = 0}' <<<"$list")

count=0
failed=()
while read -r pkg name; do
	[[ -n $pkg ]] || continue
	count=$((count + 1))
	echo "==> $pkg $name ($FUZZTIME)"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" || failed+=("$pkg.$name")
done <<<"$targets"

echo "fuzz: ran $count target(s) for $FUZZTIME each"
if ((${#failed[@]})); then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
