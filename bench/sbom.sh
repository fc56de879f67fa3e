#!/usr/bin/env bash
# bench/sbom.sh - benchmark `vigil sbom` on the bookworm test image from every
# kind of source, against a floor (the cost of reading and decompressing the
# image's layers once). A report, not a test: exits 0 whatever the numbers
# (non-zero only if the benchmark itself cannot run). See bench/README.md.
#
# Usage: bench/sbom.sh [-n RUNS] [--big] [--only SOURCES] [--format FMT] [--keep]
#   -n RUNS         runs per measurement; the median is reported (default 5)
#   --big           also benchmark a ~2 GiB docker-archive (built once, cached
#                   in $VIGIL_TEST_FIXTURES/big; the first time takes ~1.5 min
#                   and ~7 GiB of disk while building, 2.2 GB after)
#   --only LIST     comma-separated subset of:
#                   docker-archive,oci,oci-archive,registry,docker,dir
#                   ("none": only the --big image)
#   --format FMT    vigil sbom --format (default json)
#   --keep          keep the temp dir (binary, outputs, caches, raw timings)
#   --bin PATH      benchmark this vigil binary instead of building ./cmd/vigil
set -uo pipefail

RUNS=5
BIG=""
ONLY=""
FORMAT=json
KEEP=""
PREBUILT=""
while (($#)); do
	case $1 in
	-n) RUNS=${2:?-n needs a number}; shift 2 ;;
	-n*) RUNS=${1#-n}; shift ;;
	--big) BIG=1; shift ;;
	--only) ONLY=${2:?--only needs a list}; shift 2 ;;
	--format) FORMAT=${2:?--format needs a value}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--bin) PREBUILT=${2:?--bin needs a path}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/sbom.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench/sbom.sh: -n wants a positive integer" >&2; exit 2; }

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] FATAL: %s\n' "$*" >&2; exit 1; }

ORDER=(docker-archive oci oci-archive registry docker dir)
for name in ${ONLY//,/ }; do
	[[ " ${ORDER[*]} none " == *" $name "* ]] || die "--only: unknown source $name (want: ${ORDER[*]}, or none)"
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
command -v python3 >/dev/null || die "python3 is needed to read manifest.json/index.json"

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "setting up fixtures (scripts/env.sh)"
# shellcheck source=../scripts/env.sh
. scripts/env.sh || die "scripts/env.sh failed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX") || die "mktemp failed"
if [[ -z $KEEP ]]; then trap 'rm -rf "$TMP"' EXIT; else say "keeping $TMP"; fi
if [[ -n $PREBUILT ]]; then
	BIN=$(realpath "$PREBUILT") && [[ -x $BIN ]] || die "--bin $PREBUILT is not an executable"
else
	BIN=$TMP/vigil
	say "building vigil"
	go build -o "$BIN" ./cmd/vigil || die "go build ./cmd/vigil failed"
fi

now() { date +%s.%N; }
median() { LC_ALL=C sort -g | awk '{a[NR]=$1} END{ if (NR==0) {print "nan"; exit} m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.3f\n", (a[m]+a[m+1])/2 }'; }
max() { LC_ALL=C sort -g | tail -n1; }

# timed OUTFILE CMD...: run CMD under /usr/bin/time; append
# "wall_s rss_kib cpu_s" to OUTFILE (wall from the clock with ns resolution,
# peak RSS and user+sys CPU, children included, from time).
# Returns CMD's status; its stderr is kept in $TMP/last.err.
timed() {
	local out=$1 t0 t1 rc
	shift
	t0=$(now)
	/usr/bin/time -f '%M %U %S' -o "$TMP/time.out" "$@" >/dev/null 2>"$TMP/last.err"
	rc=$?
	t1=$(now)
	tail -n1 "$TMP/time.out" | awk -v a="$t0" -v b="$t1" '{printf "%.3f %s %.2f\n", b-a, $1, $2+$3}' >>"$out"
	return $rc
}

# floor_cmd NAME CMD...: median wall time of a shell pipeline (as one string).
floor_time() {
	local name=$1 cmd=$2 i f=$TMP/floor.$1
	: >"$f"
	for ((i = 0; i < RUNS; i++)); do
		timed "$f" bash -o pipefail -c "$cmd" || { say "floor command for $name failed: $cmd"; cat "$TMP/last.err" >&2; echo nan nan; return; }
	done
	echo "$(cut -d' ' -f1 "$f" | median) $(cut -d' ' -f3 "$f" | median)"
}

# decompressor for a file by its magic bytes
decomp() {
	case $(head -c4 "$1" | od -An -tx1 | tr -d ' \n') in
	1f8b*) echo "gzip -dc" ;;
	28b52ffd) echo "zstd -dc" ;;
	*) echo "cat" ;;
	esac
}

# ---- layer lists
# docker-archive: layer paths inside the tar, from manifest.json
archive_layers() {
	tar -xOf "$1" manifest.json | python3 -c 'import json,sys; [print(l) for l in json.load(sys.stdin)[0]["Layers"]]'
}
# OCI layout dir: layer blob paths (relative to the layout) of the first manifest
oci_layers() {
	python3 - "$1" <<'EOF'
import json, sys, os
root = sys.argv[1]
def blob(d): return os.path.join("blobs", *d.split(":", 1))
idx = json.load(open(os.path.join(root, "index.json")))
m = json.load(open(os.path.join(root, blob(idx["manifests"][0]["digest"]))))
for l in m["layers"]:
    print(blob(l["digest"]))
EOF
}

# floor for a docker-archive: stream every layer out of the tar once (and
# decompress it if it is compressed)
archive_floor() {
	local tarf=$1 layers dec
	mapfile -t layers < <(archive_layers "$tarf")
	((${#layers[@]})) || { echo nan nan; return; }
	tar -xOf "$tarf" "${layers[0]}" | head -c4 >"$TMP/magic"
	dec=$(decomp "$TMP/magic")
	floor_time archive "tar -xOf '$tarf' ${layers[*]} | $dec >/dev/null"
}

# ---- sources: name|source|extra args|floor command (a shell string, or a
# function call prefixed with @)
declare -A SRC ARGS
SRC[docker-archive]="docker-archive:$VIGIL_TEST_ARCHIVE"
SRC[oci]="oci:$VIGIL_TEST_OCI"
SRC[oci-archive]="oci-archive:$VIGIL_TEST_OCI_ARCHIVE"
SRC[registry]="registry:$VIGIL_TEST_REGISTRY_REF"
ARGS[registry]="--insecure"
SRC[docker]="docker:$VIGIL_TEST_DOCKER_REF"
SRC[dir]="dir:$VIGIL_TEST_ROOTFS"

floor_for() {
	local name=$1 l cmd=""
	case $name in
	docker-archive | big-docker-archive)
		archive_floor "${2:-$VIGIL_TEST_ARCHIVE}"
		;;
	oci)
		for l in $(oci_layers "$VIGIL_TEST_OCI"); do
			cmd+="$(decomp "$VIGIL_TEST_OCI/$l") <'$VIGIL_TEST_OCI/$l' >/dev/null; "
		done
		floor_time oci "$cmd"
		;;
	oci-archive)
		for l in $(oci_layers "$VIGIL_TEST_OCI"); do
			cmd+="tar -xOf '$VIGIL_TEST_OCI_ARCHIVE' '$l' | $(decomp "$VIGIL_TEST_OCI/$l") >/dev/null; "
		done
		floor_time oci-archive "$cmd"
		;;
	registry)
		# fetch each layer blob once (not timed), then time decompressing the local copy
		local repo=${VIGIL_TEST_REGISTRY_REF#*/} d i=0
		repo=${repo%:*}
		for d in $(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
			-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
			"http://$VIGIL_TEST_REGISTRY/v2/$repo/manifests/latest" |
			python3 -c 'import json,sys; [print(l["digest"]) for l in json.load(sys.stdin)["layers"]]'); do
			curl -fsS -o "$TMP/blob.$i" "http://$VIGIL_TEST_REGISTRY/v2/$repo/blobs/$d" || { echo nan nan; return; }
			cmd+="$(decomp "$TMP/blob.$i") <'$TMP/blob.$i' >/dev/null; "
			i=$((i + 1))
		done
		floor_time registry "$cmd"
		rm -f "$TMP"/blob.*
		;;
	docker)
		# the daemon must export the image: that is unavoidable for docker:
		floor_time docker "docker save '$VIGIL_TEST_DOCKER_REF' | cat >/dev/null"
		;;
	dir)
		# read every file once (| cat: GNU tar skips reading data when writing to /dev/null)
		floor_time dir "tar -C '$VIGIL_TEST_ROOTFS' -cf - . | cat >/dev/null"
		;;
	esac
}

# bench_source NAME SOURCE EXTRA_ARGS RSS_TARGET_MIB [FLOOR_ARG]
ROWS=()
bench_source() {
	local name=$1 src=$2 extra=$3 rss_target=$4 i cache cold warm floor rss coldcpu floorcpu out=$TMP/out.json
	local -a extra_args=()
	[[ -n $extra ]] && read -ra extra_args <<<"$extra"
	say "$name: $RUNS cold runs"
	: >"$TMP/cold.$name"
	for ((i = 0; i < RUNS; i++)); do
		cache=$(mktemp -d "$TMP/cache.XXXXXX")
		if ! VIGIL_CACHE_DIR=$cache timed "$TMP/cold.$name" "$BIN" sbom "$src" "${extra_args[@]}" --format "$FORMAT" -o "$out" --quiet; then
			say "$name: vigil failed:"; sed 's/^/    /' "$TMP/last.err" >&2
			ROWS+=("$name|ERROR|-|-|-|-|-|-|-|-|vigil failed")
			rm -rf "$cache"
			return
		fi
		rm -rf "$cache"
	done
	[[ -s $out ]] || say "$name: WARNING: vigil wrote an empty $out"
	say "$name: $RUNS warm runs"
	cache=$TMP/cache.warm.$name
	mkdir -p "$cache"
	VIGIL_CACHE_DIR=$cache "$BIN" sbom "$src" "${extra_args[@]}" --format "$FORMAT" -o "$out" --quiet 2>/dev/null # prime
	: >"$TMP/warm.$name"
	for ((i = 0; i < RUNS; i++)); do
		VIGIL_CACHE_DIR=$cache timed "$TMP/warm.$name" "$BIN" sbom "$src" "${extra_args[@]}" --format "$FORMAT" -o "$out" --quiet ||
			{ say "$name: warm run failed"; sed 's/^/    /' "$TMP/last.err" >&2; }
	done
	rm -rf "$cache"
	say "$name: floor"
	read -r floor floorcpu < <(floor_for "$name" "${5:-}")
	cold=$(cut -d' ' -f1 "$TMP/cold.$name" | median)
	coldcpu=$(cut -d' ' -f3 "$TMP/cold.$name" | median)
	warm=$(cut -d' ' -f1 "$TMP/warm.$name" | median)
	rss=$(cat "$TMP/cold.$name" "$TMP/warm.$name" | cut -d' ' -f2 | max)
	ROWS+=("$(awk -v n="$name" -v c="$cold" -v w="$warm" -v f="$floor" -v r="$rss" -v rt="$rss_target" -v cc="$coldcpu" -v fc="$floorcpu" 'BEGIN{
		rm = r / 1024
		if (f == "nan" || f <= 0) { cf = "-"; wf = "-"; verdict = "FAIL(no floor)" }
		else {
			cf = sprintf("%.2f", c / f); wf = sprintf("%.3f", w / f); bad = ""
			if (c > 1.5 * f) bad = bad " cold>1.5x"
			if (w > 0.1 * f) bad = bad " warm>0.1x"
			verdict = bad
		}
		if (rm > rt) verdict = verdict " rss>" rt "MiB"
		if (verdict == "") verdict = "PASS"; else if (verdict !~ /^FAIL/) verdict = "FAIL:" verdict
		ccf = (fc == "nan" || fc <= 0) ? "-" : sprintf("%.2f", cc / fc)
		printf "%s|%.3f|%.3f|%s|%s|%s|%.0f|%s|%s|%s|%s", n, c, w, f, cf, wf, rm, cc, fc, ccf, verdict
	}')")
}

for name in "${ORDER[@]}"; do
	if [[ -n $ONLY && ",$ONLY," != *",$name,"* ]]; then continue; fi
	bench_source "$name" "${SRC[$name]}" "${ARGS[$name]:-}" 100
done

# ---- --big: ~2 GiB docker-archive, built once
build_big() {
	local dir=$VIGIL_TEST_FIXTURES/big
	[[ -f $dir/.complete && -f $dir/big.tar ]] && return 0
	say "big: building a ~2 GiB image in $dir (once)"
	mkdir -p "$dir" || return 1
	rm -rf --one-file-system "$dir/rootfs" "$dir/big.tar" "$dir/big.tar.tmp" "$dir/.complete"
	cp -a "$VIGIL_TEST_ROOTFS" "$dir/rootfs" || return 1
	rm -f "$dir/rootfs/.vigil-complete"
	# many small files (random and text), some large incompressible ones, some large text
	python3 - "$dir/rootfs/opt/payload" <<'EOF' || return 1
import os, random, sys
root = sys.argv[1]
rnd = random.Random(20261125)
words = ("alpha beta gamma delta epsilon libc package version depends "
         "installed status config license copyright amd64 debian bookworm").split()
pool = [(" ".join(rnd.choice(words) for _ in range(12)) + "\n").encode() for _ in range(10000)]
def text(n):
    # ~80 bytes a line: pick enough lines from the pool, cut to n bytes
    return b"".join(rnd.choices(pool, k=n // 60 + 1))[:n]
def randfile(path, n):
    with open(path, "wb") as f:
        while n > 0:
            k = min(n, 1 << 20); f.write(os.urandom(k)); n -= k
total = 0
# 20000 small files, 512 B .. 16 KiB, half random, half text, in 200 dirs
for i in range(20000):
    d = os.path.join(root, "small", "d%03d" % (i % 200)); os.makedirs(d, exist_ok=True)
    n = rnd.randint(512, 16384)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(os.urandom(n) if i % 2 else text(n))
    total += n
# 6 x 256 MiB incompressible
os.makedirs(os.path.join(root, "large"), exist_ok=True)
for i in range(6):
    randfile(os.path.join(root, "large", "blob%d.bin" % i), 256 << 20); total += 256 << 20
# 32 x 8 MiB text
os.makedirs(os.path.join(root, "text"), exist_ok=True)
for i in range(32):
    with open(os.path.join(root, "text", "doc%02d.txt" % i), "wb") as f:
        f.write(text(8 << 20))
    total += 8 << 20
print("payload bytes:", total, file=sys.stderr)
EOF
	say "big: docker import + save"
	tar -C "$dir/rootfs" -c . | docker import - vigil-test/big:latest >/dev/null || return 1
	docker save vigil-test/big:latest -o "$dir/big.tar.tmp" || return 1
	chmod 0644 "$dir/big.tar.tmp"
	mv "$dir/big.tar.tmp" "$dir/big.tar"
	# keep only the archive: free the rootfs copy and the daemon's copy
	docker image rm vigil-test/big:latest >/dev/null 2>&1 || true
	rm -rf --one-file-system "$dir/rootfs"
	date -Is >"$dir/.complete"
	say "big: $(du -h "$dir/big.tar" | cut -f1) archive ready"
}
if [[ -n $BIG ]]; then
	if build_big; then
		bench_source big-docker-archive "docker-archive:$VIGIL_TEST_FIXTURES/big/big.tar" "" 300 "$VIGIL_TEST_FIXTURES/big/big.tar"
	else
		say "big: building the big image failed"
		ROWS+=("big-docker-archive|ERROR|-|-|-|-|-|-|-|-|build failed")
	fi
fi

# ---- report
echo
echo "vigil sbom benchmark: $RUNS runs per number (median), $(nproc) cores, $(date -Is)"
echo "targets: cold <= 1.5x floor, warm <= 0.1x floor, peak RSS <= 100 MiB (big: 300 MiB); PASS/FAIL on wall time"
echo "load average at start: $LOAD0; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v l0="${LOAD0%% *}" -v n="$(nproc)" 'BEGIN{exit !(l > n/2 || l0 > n/2)}'; then
	echo "WARNING: the machine was busy: wall times (and so PASS/FAIL) are unreliable; the cpu columns (user+sys) hold up better"
fi
{
	echo "source|cold s|warm s|floor s|cold/floor|warm/floor|peak RSS MiB|cold cpu s|floor cpu s|cpu cold/floor|result"
	printf '%s\n' "${ROWS[@]}"
} | column -t -s'|'
exit 0
