#!/usr/bin/env bash
# bench/compare-govulncheck.sh - what govulncheck finds in the lang test
# image's Go binary (/usr/local/bin/goapp: golang.org/x/net v0.17.0,
# golang.org/x/text v0.13.0, github.com/google/uuid v1.3.0, built by
# scripts/env.sh), at module level, against a local database made from the
# Go records in match/testdata/osv/Go/all.zip (the records vigil's match
# tests use). Writes match/testdata/expected/govulncheck.txt, one
# "module<TAB>id" line per module-level finding, which
# match.TestGoAgreesWithGovulncheck checks vigil's findings against.
#
# Usage: bench/compare-govulncheck.sh [--keep]
#
# Environment:
#   VIGIL_BENCH_CACHE   cache dir (default /var/cache/vigil-bench): holds
#                       bin/govulncheck (v1.9.0, built once with go install
#                       from the Go module proxy)
#   VIGIL_TEST_LANG_ARCHIVE  the lang image's docker-archive (scripts/env.sh
#                       sets it; sourced when missing)
#
# govulncheck reads a database in the Go vulnerability database layout
# (https://go.dev/security/vuln/database#api): index/db.json,
# index/modules.json, index/vulns.json and ID/<id>.json, from a file:// URL.
# -scan module reports every advisory whose affected ranges include a
# module's version (vigil matches at that level; -scan symbol would also
# drop advisories whose vulnerable symbols the binary does not contain).
set -euo pipefail

GOVULNCHECK_VERSION=v1.9.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VIGIL_BENCH_CACHE:-/var/cache/vigil-bench}
KEEP=""
[[ ${1:-} == --keep ]] && KEEP=1

if [[ -z ${VIGIL_TEST_LANG_ARCHIVE:-} ]]; then
	eval "$(bash "$ROOT/scripts/env.sh")"
fi
TMP=$(mktemp -d)
[[ -n $KEEP ]] && echo "keeping $TMP" >&2 || trap 'rm -rf "$TMP"' EXIT

GVC=$CACHE/bin/govulncheck-$GOVULNCHECK_VERSION
if [[ ! -x $GVC ]]; then
	mkdir -p "$CACHE/bin"
	(cd "$TMP" && GOBIN="$TMP/gobin" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION")
	mv "$TMP/gobin/govulncheck" "$GVC"
fi

# the binary, from the layer of the image that holds it
mkdir -p "$TMP/image"
tar -xf "$VIGIL_TEST_LANG_ARCHIVE" -C "$TMP/image"
for layer in "$TMP"/image/*/layer.tar "$TMP"/image/blobs/sha256/*; do
	[[ -f $layer ]] || continue
	if tar -tf "$layer" 2>/dev/null | grep -qx 'usr/local/bin/goapp'; then
		tar -xf "$layer" -C "$TMP" usr/local/bin/goapp
		break
	fi
done
[[ -f $TMP/usr/local/bin/goapp ]] || { echo "no /usr/local/bin/goapp in $VIGIL_TEST_LANG_ARCHIVE" >&2; exit 1; }

# the database, from the same records
python3 - "$ROOT/match/testdata/osv/Go/all.zip" "$TMP/db" <<'PY'
import json, os, sys, zipfile
src, db = sys.argv[1], sys.argv[2]
os.makedirs(db + "/ID"); os.makedirs(db + "/index")
modules, vulns, newest = {}, [], "1970-01-01T00:00:00Z"
with zipfile.ZipFile(src) as z:
    for n in sorted(z.namelist()):
        rec = json.loads(z.read(n))
        if rec.get("withdrawn"):
            continue
        mod = rec.get("modified") or "1970-01-01T00:00:00Z"
        if mod.startswith("0001-"):
            mod = "1970-01-01T00:00:00Z"
        rec["modified"] = mod
        newest = max(newest, mod)
        open(f"{db}/ID/{rec['id']}.json", "w").write(json.dumps(rec))
        vulns.append({"id": rec["id"], "modified": mod, "aliases": rec.get("aliases", [])})
        for a in rec.get("affected", []):
            path = a["package"]["name"]
            modules.setdefault(path, {"path": path, "vulns": []})["vulns"].append({"id": rec["id"], "modified": mod})
json.dump({"modified": newest}, open(db + "/index/db.json", "w"))
json.dump(list(modules.values()), open(db + "/index/modules.json", "w"))
json.dump(vulns, open(db + "/index/vulns.json", "w"))
PY

"$GVC" -db "file://$TMP/db" -mode binary -scan module -format json "$TMP/usr/local/bin/goapp" > "$TMP/govulncheck.json"
python3 - "$TMP/govulncheck.json" > "$ROOT/match/testdata/expected/govulncheck.txt" <<'PY'
import json, sys
dec, text, pos, seen = json.JSONDecoder(), open(sys.argv[1]).read(), 0, set()
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    msg, pos = dec.raw_decode(text, pos)
    f = msg.get("finding")
    if f:
        seen.add((f["trace"][0]["module"], f["osv"]))
for mod, id in sorted(seen):
    print(f"{mod}\t{id}")
PY
echo "govulncheck $GOVULNCHECK_VERSION: $(wc -l < "$ROOT/match/testdata/expected/govulncheck.txt") module-level findings in goapp; written to match/testdata/expected/govulncheck.txt" >&2
cut -f1 "$ROOT/match/testdata/expected/govulncheck.txt" | sort | uniq -c >&2
