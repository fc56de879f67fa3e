#!/usr/bin/env bash
# scripts/env.sh - set up everything vigil's tests need, then print `export` lines.
#
#   eval "$(scripts/env.sh)"      # set up, then export into the current shell
#   . scripts/env.sh              # the same when sourced (returns 1 on failure)
#   go test ./image/...           # ... and run tests by hand
#
# Setup (each step is idempotent; all progress and timings go to stderr,
# only `export` lines go to stdout; any failure exits non-zero with a message):
#   1. apt-get install whatever is missing of: docker.io docker-registry
#      debootstrap rpm time skopeo curl ca-certificates binutils (apt-get update only if
#      something is missing).
#   2. dockerd: started in the background (setsid, no systemd) if `docker info`
#      fails; log: $VIGIL_TEST_FIXTURES/logs/dockerd.log; waits up to 60 s.
#   3. docker-registry (CNCF distribution 2.8) on 127.0.0.1:5000, or the first
#      free port from 5001 if 5000 is taken by something that is not a registry;
#      config/storage/log under $VIGIL_TEST_FIXTURES/registry.
#   4. Fixtures, built once into the fixture dir (a stamp file `.complete` is
#      written last; every artifact is built in a temp path and renamed):
#        rootfs/              debootstrap --variant=minbase bookworm
#        bookworm.tar         `docker save` of `docker import` of rootfs/
#        bookworm-oci/        OCI image layout (skopeo copy from the registry;
#                             gzip layers, index.json ref.name annotation "latest")
#        bookworm-oci.tar     the same layout as a tar (oci-archive)
#        bookworm.dpkg.txt    expected dpkg inventory: "Package Version Arch", sorted
#        lang.tar             `docker save` of vigil-test/lang:latest, built by
#                             `docker build` from scan/testdata/lang (apt-get
#                             installs real Debian library packages; the
#                             application layers come from the catalogers'
#                             testdata and a Go program built here); rebuilt
#                             when that context changes (lang.hash)
#        hardening-weak.tar   `docker save` of vigil-test/hardening-weak:latest and
#        hardening-clean.tar  vigil-test/hardening-clean:latest, built by `docker
#                             build` from check/hardening/testdata/images/{weak,hardened}
#                             (real openssh-server, sudo, chpasswd hashes...); rebuilt
#                             when the Dockerfile or the base image changes (*.hash)
#      On every run, dockerd's vigil-test/bookworm:latest and the registry's
#      :latest are checked to be the image in bookworm.tar (by image ID =
#      config digest, recorded in bookworm.id); if not, it is docker load-ed
#      from bookworm.tar (same ID) and/or pushed again.
#
# Exported variables:
#   VIGIL_TEST_FIXTURES      the fixture dir (${VIGIL_FIXTURES:-/var/cache/vigil-fixtures})
#   VIGIL_TEST_ROOTFS        $VIGIL_TEST_FIXTURES/rootfs (debootstrapped bookworm minbase)
#   VIGIL_TEST_ARCHIVE       $VIGIL_TEST_FIXTURES/bookworm.tar (docker-archive; NOTE: Debian's
#                            dockerd 20.10 writes the legacy format: manifest.json + <id>/layer.tar,
#                            no oci-layout/index.json, so it is NOT an oci-archive)
#   VIGIL_TEST_OCI           $VIGIL_TEST_FIXTURES/bookworm-oci (OCI image layout dir)
#   VIGIL_TEST_OCI_ARCHIVE   $VIGIL_TEST_FIXTURES/bookworm-oci.tar (oci-archive: tar of that dir)
#   VIGIL_TEST_REGISTRY      127.0.0.1:PORT (plain-HTTP registry; docker treats 127/8 as insecure)
#   VIGIL_TEST_REGISTRY_REF  127.0.0.1:PORT/vigil-test/bookworm:latest
#   VIGIL_TEST_DOCKER_REF    vigil-test/bookworm:latest (in the local dockerd)
#   VIGIL_TEST_DPKG          $VIGIL_TEST_FIXTURES/bookworm.dpkg.txt
#   VIGIL_TEST_LANG_ARCHIVE  $VIGIL_TEST_FIXTURES/lang.tar (docker-archive of the lang image)
#   VIGIL_TEST_LANG_REF      vigil-test/lang:latest (in the local dockerd)
#   VIGIL_TEST_HARDENING_WEAK_ARCHIVE   $VIGIL_TEST_FIXTURES/hardening-weak.tar
#   VIGIL_TEST_HARDENING_WEAK_REF       vigil-test/hardening-weak:latest
#   VIGIL_TEST_HARDENING_CLEAN_ARCHIVE  $VIGIL_TEST_FIXTURES/hardening-clean.tar
#   VIGIL_REQUIRE_ENV=1      tests needing the variables above must FAIL (not skip) if one is missing
#
# Knobs: VIGIL_FIXTURES (fixture dir), VIGIL_REGISTRY_PORT (preferred port,
# default 5000), VIGIL_DEBIAN_MIRROR (debootstrap mirror; default
# http://deb.debian.org/debian, then the mirrors in /etc/apt/sources.list*).

# Sourced: run ourselves as a child (so set -e etc. don't leak into the
# caller's shell) and eval the exports.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	if __vigil_env_out=$(bash "${BASH_SOURCE[0]}"); then
		eval "$__vigil_env_out"
		unset __vigil_env_out
		return 0
	fi
	unset __vigil_env_out
	echo "scripts/env.sh: test environment setup FAILED (see above)" >&2
	return 1
fi

set -Eeuo pipefail
shopt -s inherit_errexit 2>/dev/null || true

FIXTURE_FORMAT=1 # bump to force a rebuild of all fixtures
FIX=${VIGIL_FIXTURES:-/var/cache/vigil-fixtures}
IMAGE=vigil-test/bookworm:latest
LANG_IMAGE=vigil-test/lang:latest
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_PATH=vigil-test/bookworm
SUITE=bookworm

log() { printf '[env] %s\n' "$*" >&2; }
die() {
	printf '\n[env] FATAL: %s\n\n' "$*" >&2
	exit 1
}
# an unexpected failure (set -e) in the main shell: say where
# shellcheck disable=SC2154 # rc is set inside the trap
trap 'rc=$?; [[ $BASHPID == "$$" ]] && printf "[env] FATAL: command failed (exit %s) at scripts/env.sh:%s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

now() { date +%s.%N; }
PHASES=()
# phase NAME FUNC: run FUNC, record and print its duration.
phase() {
	local name=$1 t0 dt
	shift
	t0=$(now)
	"$@"
	dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}')
	PHASES+=("$name=${dt}s")
	log "phase $name: ${dt}s"
}

# run_logged LOGFILE CMD...: run CMD with output to LOGFILE; on failure show its tail.
run_logged() {
	local lf=$1
	shift
	# 9>&-: nothing started from here (e.g. a service a postinst starts)
	# may keep our lock fd open
	if ! "$@" >>"$lf" 2>&1 9>&-; then
		log "command failed: $*"
		log "---- last 40 lines of $lf ----"
		tail -n 40 "$lf" >&2
		die "$1 failed (full log: $lf)"
	fi
}

# start_daemon LOGFILE CMD...: start CMD detached from us: own session, no
# inherited stdin/stdout (so `$(scripts/env.sh)` does not wait for it) and no
# lock fd. Prints the pid.
start_daemon() {
	local lf=$1
	shift
	setsid "$@" </dev/null >>"$lf" 2>&1 9>&- &
	echo $!
}

# umount_below DIR: unmount everything mounted below DIR (debootstrap mounts
# /proc, /sys, ... in its target and may leave them behind), deepest first.
umount_below() {
	local d m
	d=$(realpath -m "$1")
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v p="$d/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r)
	if awk -v p="$d/" 'index($2, p) == 1 {found=1} END{exit !found}' /proc/self/mounts; then
		die "cannot unmount everything below $d"
	fi
}

# safe_rm DIR: remove a dir, never following into a mount left inside it.
safe_rm() {
	[[ -e $1 ]] || return 0
	umount_below "$1"
	rm -rf --one-file-system "$1"
}

########################################################################
# 1. packages
APT_PKGS=(docker.io docker-registry debootstrap rpm time skopeo curl ca-certificates binutils)
setup_packages() {
	local p missing=()
	for p in "${APT_PKGS[@]}"; do
		if ! grep -q '^Status: install ok installed' <<<"$(dpkg -s "$p" 2>/dev/null)"; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		log "packages: all present"
		return 0
	fi
	[[ $(id -u) == 0 ]] || die "missing packages (${missing[*]}) and not root: cannot apt-get install"
	log "packages: installing ${missing[*]}"
	mkdir -p "$FIX/logs"
	run_logged "$FIX/logs/apt.log" apt-get update
	export DEBIAN_FRONTEND=noninteractive
	run_logged "$FIX/logs/apt.log" \
		apt-get install -y -o Dpkg::Options::=--force-confold "${missing[@]}"
	for p in "${missing[@]}"; do
		grep -q '^Status: install ok installed' <<<"$(dpkg -s "$p" 2>/dev/null)" ||
			die "package $p still not installed after apt-get install (see $FIX/logs/apt.log)"
	done
}

########################################################################
# 2. dockerd
docker_ok() { timeout 20 docker info >/dev/null 2>&1; }
setup_dockerd() {
	if docker_ok; then
		log "dockerd: already running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
		return 0
	fi
	local lf=$FIX/logs/dockerd.log pid="" oldpid
	oldpid=$(cat /var/run/docker.pid 2>/dev/null || true)
	if [[ -n $oldpid && $(cat "/proc/$oldpid/comm" 2>/dev/null) == dockerd ]]; then
		log "dockerd: pid $oldpid exists but does not answer yet; waiting for it"
	else
		[[ $(id -u) == 0 ]] || die "dockerd is not running and we are not root: cannot start it"
		command -v dockerd >/dev/null || die "dockerd not found (package docker.io)"
		# --bridge=none/--iptables=false: we never run containers (only
		# import/save/load/push), so don't touch the host's network/firewall.
		# dockerd also starts fine without them in this sandbox.
		log "dockerd: starting (log: $lf)"
		echo "==== $(date -Is) starting dockerd" >>"$lf"
		pid=$(start_daemon "$lf" dockerd --bridge=none --iptables=false)
	fi
	local deadline=$((SECONDS + 60))
	until docker_ok; do
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
			log "---- last 30 lines of $lf ----"
			tail -n 30 "$lf" >&2
			die "dockerd exited during startup (log: $lf)"
		fi
		if ((SECONDS >= deadline)); then
			log "---- last 30 lines of $lf ----"
			tail -n 30 "$lf" >&2 || true
			die "dockerd did not answer 'docker info' within 60 s (log: $lf)"
		fi
		sleep 1
	done
	log "dockerd: up ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
}

########################################################################
# 3. registry
REGDIR=$FIX/registry
reg_ok() { curl -fsS -m 5 -o /dev/null "http://127.0.0.1:$1/v2/" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
setup_registry() {
	local p cands=() want=${VIGIL_REGISTRY_PORT:-5000}
	cands+=("$want")
	[[ -f $REGDIR/port ]] && cands+=("$(cat "$REGDIR/port")")
	for p in "${cands[@]}"; do
		if reg_ok "$p"; then
			REG_PORT=$p
			log "registry: already answering on 127.0.0.1:$p"
			return 0
		fi
	done
	REG_PORT=""
	for ((p = want; p < want + 100; p++)); do
		if ! port_busy "$p"; then
			REG_PORT=$p
			break
		fi
	done
	[[ -n $REG_PORT ]] || die "no free TCP port in $want..$((want + 99)) for the registry"
	[[ $REG_PORT == "$want" ]] || log "registry: port $want is taken by something else; using $REG_PORT"
	command -v docker-registry >/dev/null || die "docker-registry not found (package docker-registry)"
	mkdir -p "$REGDIR/data"
	cat >"$REGDIR/config.yml" <<EOF
# written by scripts/env.sh
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $REGDIR/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$REG_PORT
  secret: vigil-test-fixture-registry
  headers:
    X-Content-Type-Options: [nosniff]
EOF
	local lf=$FIX/logs/registry.log pid
	echo "==== $(date -Is) starting docker-registry on 127.0.0.1:$REG_PORT" >>"$lf"
	log "registry: starting on 127.0.0.1:$REG_PORT (log: $lf)"
	pid=$(start_daemon "$lf" docker-registry serve "$REGDIR/config.yml")
	local deadline=$((SECONDS + 30))
	until reg_ok "$REG_PORT"; do
		if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
			log "---- last 30 lines of $lf ----"
			tail -n 30 "$lf" >&2 || true
			die "docker-registry did not come up on 127.0.0.1:$REG_PORT (log: $lf)"
		fi
		sleep 0.2
	done
	echo "$pid" >"$REGDIR/pid"
	echo "$REG_PORT" >"$REGDIR/port"
}

########################################################################
# 4. fixtures
mirrors() {
	local f
	if [[ -n ${VIGIL_DEBIAN_MIRROR:-} ]]; then echo "$VIGIL_DEBIAN_MIRROR"; fi
	echo http://deb.debian.org/debian
	# then the mirrors apt is configured with (deb822 "URIs:" and one-line "deb" formats),
	# including URLs in comments (e.g. pinned snapshot.debian.org URLs)
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		grep -oE 'https?://[^ ]+' "$f" || true
	done
}

build_rootfs() {
	[[ -f $FIX/rootfs/.vigil-complete ]] && return 0
	command -v debootstrap >/dev/null || die "debootstrap not found"
	local tmp=$FIX/rootfs.tmp m ok=""
	while read -r m; do
		[[ $m == *security* || $m == *-updates* ]] && continue
		safe_rm "$tmp"
		log "rootfs: debootstrap --variant=minbase $SUITE from $m"
		if debootstrap --variant=minbase "$SUITE" "$tmp" "$m" </dev/null >"$FIX/logs/debootstrap.log" 2>&1 9>&-; then
			ok=1
			break
		fi
		log "rootfs: debootstrap from $m failed; last lines of $FIX/logs/debootstrap.log:"
		tail -n 15 "$FIX/logs/debootstrap.log" >&2
	done < <(mirrors | awk '!seen[$0]++')
	umount_below "$tmp" # debootstrap can leave mounts behind even on success
	[[ -n $ok ]] || die "debootstrap failed with every mirror (log: $FIX/logs/debootstrap.log)"
	[[ -x $tmp/usr/bin/dpkg && -f $tmp/var/lib/dpkg/status ]] || die "debootstrap produced no dpkg database in $tmp"
	touch "$tmp/.vigil-complete"
	safe_rm "$FIX/rootfs"
	mv "$tmp" "$FIX/rootfs"
}

# the image must never contain our stamp: exclude it from the import
import_image() {
	log "image: docker import rootfs -> $IMAGE"
	tar -C "$FIX/rootfs" --exclude=./.vigil-complete -c . | docker import - "$IMAGE" >/dev/null ||
		die "docker import failed"
}

# the image ID (= config digest) that bookworm.tar holds
archive_id() {
	local id
	id=$(tar -xOf "$FIX/bookworm.tar" manifest.json | tr -d ' \n\t' |
		grep -oE '"Config":"[^"]*"' | head -n1 | grep -oE '[0-9a-f]{64}') ||
		die "cannot read the config digest from $FIX/bookworm.tar manifest.json"
	echo "sha256:$id"
}

daemon_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# dockerd state may be fresh (or someone re-tagged): make $IMAGE be exactly
# the image in bookworm.tar, with a docker load (keeps the image ID).
ensure_image_in_daemon() {
	local want
	want=$(cat "$FIX/bookworm.id")
	[[ $(daemon_id "$IMAGE") == "$want" ]] && return 0
	log "image: $IMAGE missing from dockerd or not $want; docker load of bookworm.tar"
	docker load -i "$FIX/bookworm.tar" >/dev/null || die "docker load -i $FIX/bookworm.tar failed"
	[[ $(daemon_id "$IMAGE") == "$want" ]] || die "docker load did not restore $IMAGE as $want"
}

build_archive() {
	[[ -f $FIX/bookworm.tar && -f $FIX/bookworm.id ]] && return 0
	# a fresh archive must come from a fresh import of the current rootfs
	docker image rm -f "$IMAGE" >/dev/null 2>&1 || true
	import_image
	log "image: docker save -> bookworm.tar"
	docker save "$IMAGE" -o "$FIX/bookworm.tar.tmp" || die "docker save failed"
	tar -tf "$FIX/bookworm.tar.tmp" manifest.json >/dev/null 2>&1 || die "docker save output has no manifest.json"
	if tar -tf "$FIX/bookworm.tar.tmp" oci-layout index.json >/dev/null 2>&1; then
		log "image: docker save output is also an OCI layout (oci-layout + index.json present)"
	else
		log "image: docker save output is legacy docker-archive only (no oci-layout/index.json)"
	fi
	chmod 0644 "$FIX/bookworm.tar.tmp" # docker save -o creates it 0600
	mv "$FIX/bookworm.tar.tmp" "$FIX/bookworm.tar"
	archive_id >"$FIX/bookworm.id"
	[[ $(cat "$FIX/bookworm.id") == "$(daemon_id "$IMAGE")" ]] || die "bookworm.tar does not hold the image just imported"
	# the OCI layout derives from this image: redo it
	safe_rm "$FIX/bookworm-oci"
	rm -f "$FIX/bookworm-oci.tar"
}

# config digest of the image the registry serves as :latest (empty if none)
registry_id() {
	curl -fsS -m 10 \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://127.0.0.1:$REG_PORT/v2/$REPO_PATH/manifests/latest" 2>/dev/null |
		tr -d ' \n\t' | grep -oE '"config":\{[^}]*\}' | grep -oE 'sha256:[0-9a-f]{64}' || true
}

push_image() {
	local want
	want=$(cat "$FIX/bookworm.id")
	[[ $(registry_id) == "$want" ]] && return 0
	log "registry: docker push $REG_REF"
	docker tag "$IMAGE" "$REG_REF"
	run_logged "$FIX/logs/push.log" docker push "$REG_REF"
	[[ $(registry_id) == "$want" ]] || die "pushed $REG_REF but the registry does not serve $want for it"
}

build_oci() {
	if [[ ! -f $FIX/bookworm-oci/index.json ]]; then
		command -v skopeo >/dev/null || die "skopeo not found"
		log "oci: skopeo copy $REG_REF -> bookworm-oci (OCI layout)"
		safe_rm "$FIX/bookworm-oci.tmp"
		run_logged "$FIX/logs/skopeo.log" skopeo copy --src-tls-verify=false \
			"docker://$REG_REF" "oci:$FIX/bookworm-oci.tmp:latest"
		[[ -f $FIX/bookworm-oci.tmp/oci-layout && -f $FIX/bookworm-oci.tmp/index.json ]] ||
			die "skopeo produced no OCI layout in $FIX/bookworm-oci.tmp"
		mv "$FIX/bookworm-oci.tmp" "$FIX/bookworm-oci"
		rm -f "$FIX/bookworm-oci.tar"
	fi
	if [[ ! -f $FIX/bookworm-oci.tar ]]; then
		log "oci: tar bookworm-oci -> bookworm-oci.tar (oci-archive)"
		tar -C "$FIX/bookworm-oci" -cf "$FIX/bookworm-oci.tar.tmp" oci-layout index.json blobs
		mv "$FIX/bookworm-oci.tar.tmp" "$FIX/bookworm-oci.tar"
	fi
}

build_dpkg_list() {
	[[ -f $FIX/bookworm.dpkg.txt ]] && return 0
	dpkg-query --admindir="$FIX/rootfs/var/lib/dpkg" -W \
		-f '${db:Status-Status} ${Package} ${Version} ${Architecture}\n' |
		awk '$1 == "installed" {print $2, $3, $4}' | LC_ALL=C sort >"$FIX/bookworm.dpkg.txt.tmp"
	[[ -s $FIX/bookworm.dpkg.txt.tmp ]] || die "empty dpkg inventory from $FIX/rootfs"
	mv "$FIX/bookworm.dpkg.txt.tmp" "$FIX/bookworm.dpkg.txt"
}

# stage_lang DIR: the build context of the "lang" image (scan/testdata/lang):
# the Dockerfile, the Go fixture program built from source with pinned old
# module versions (through the Go module proxy), and language package files
# taken from the catalogers' testdata.
stage_lang() {
	local ctx=$1 src=$ROOT/scan/testdata/lang cat=$ROOT/catalog
	mkdir -p "$ctx"/{bin,node,python,java,ruby,php,rust,dotnet} || return 1
	cp "$src/Dockerfile" "$ctx/" || return 1
	(cd "$src/goapp" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 \
		go build -trimpath -buildvcs=false -ldflags=-buildid= -o "$ctx/bin/goapp" .) || return 1
	cp "$cat/javascript/testdata/project/package.json" "$ctx/node/" &&
		cp -a "$cat/javascript/testdata/project/node_modules" "$ctx/node/" &&
		cp -a "$cat/python/testdata/root/usr/local/lib/python3.11/site-packages/." "$ctx/python/" &&
		cp -a "$cat/java/testdata/root/usr/share/java/." "$ctx/java/" &&
		mkdir -p "$ctx/ruby/usr/local" "$ctx/ruby/srv/rubyapp" &&
		cp -a "$cat/ruby/testdata/root/usr/local/bundle" "$ctx/ruby/usr/local/" &&
		cp "$cat/ruby/testdata/src/app/Gemfile.lock" "$ctx/ruby/srv/rubyapp/" &&
		mkdir -p "$ctx/php/var/www" &&
		cp -a "$cat/php/testdata/src/app" "$ctx/php/var/www/" || return 1
	mkdir -p "$ctx/rust/usr/local/cargo/bin" "$ctx/rust/srv/rustapp" "$ctx/dotnet/app" &&
		cp "$cat/rust/testdata/auditdemo" "$ctx/rust/usr/local/cargo/bin/" &&
		cp "$cat/rust/testdata/project/Cargo.lock" "$ctx/rust/srv/rustapp/" &&
		cp -a "$cat/dotnet/testdata/webapp/." "$ctx/dotnet/app/" || return 1
}

# content hash of a directory tree (names, modes and contents)
tree_hash() {
	(cd "$1" && find . -type f -printf '%p %m\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat) |
		sha256sum | cut -c1-16
}

# build_lang: vigil-test/lang:latest and lang.tar (docker save), rebuilt when
# the staged context changes.
build_lang() {
	local ctx=$FIX/lang.ctx hash
	safe_rm "$ctx"
	stage_lang "$ctx" || die "staging the lang image context failed"
	hash=$(tree_hash "$ctx")
	if [[ -f $FIX/lang.tar && $(cat "$FIX/lang.hash" 2>/dev/null) == "$hash" &&
		$(daemon_id "$LANG_IMAGE") == "$(cat "$FIX/lang.id" 2>/dev/null)" ]]; then
		safe_rm "$ctx"
		return 0
	fi
	if [[ -f $FIX/lang.tar && $(cat "$FIX/lang.hash" 2>/dev/null) == "$hash" ]]; then
		docker load -i "$FIX/lang.tar" >/dev/null || die "docker load -i $FIX/lang.tar failed"
	else
		log "lang: docker build -> $LANG_IMAGE (context $hash)"
		run_logged "$FIX/logs/lang-build.log" env DOCKER_BUILDKIT=0 docker build --network host -t "$LANG_IMAGE" "$ctx"
		docker save "$LANG_IMAGE" -o "$FIX/lang.tar.tmp" || die "docker save $LANG_IMAGE failed"
		chmod 0644 "$FIX/lang.tar.tmp"
		mv "$FIX/lang.tar.tmp" "$FIX/lang.tar"
		echo "$hash" >"$FIX/lang.hash"
	fi
	daemon_id "$LANG_IMAGE" >"$FIX/lang.id"
	safe_rm "$ctx"
}

# build_context_image NAME TAG DIR: TAG and $FIX/NAME.tar (docker save),
# built from the Dockerfile in DIR; rebuilt when DIR or the base image
# changes.
build_context_image() {
	local name=$1 tag=$2 ctx=$3 hash
	hash=$(tree_hash "$ctx")-$(cut -c8-19 "$FIX/bookworm.id")
	if [[ -f $FIX/$name.tar && $(cat "$FIX/$name.hash" 2>/dev/null) == "$hash" ]]; then
		[[ $(daemon_id "$tag") == "$(cat "$FIX/$name.id" 2>/dev/null)" ]] && return 0
		docker load -i "$FIX/$name.tar" >/dev/null || die "docker load -i $FIX/$name.tar failed"
	else
		log "$name: docker build -> $tag (context $hash)"
		run_logged "$FIX/logs/$name-build.log" env DOCKER_BUILDKIT=0 docker build --network host -t "$tag" "$ctx"
		docker save "$tag" -o "$FIX/$name.tar.tmp" || die "docker save $tag failed"
		chmod 0644 "$FIX/$name.tar.tmp"
		mv "$FIX/$name.tar.tmp" "$FIX/$name.tar"
		echo "$hash" >"$FIX/$name.hash"
	fi
	daemon_id "$tag" >"$FIX/$name.id"
}

build_hardening() {
	build_context_image hardening-weak vigil-test/hardening-weak:latest "$ROOT/check/hardening/testdata/images/weak"
	build_context_image hardening-clean vigil-test/hardening-clean:latest "$ROOT/check/hardening/testdata/images/hardened"
}

setup_fixtures() {
	local stamp=$FIX/.complete
	if [[ -f $stamp && $(head -n1 "$stamp") != "format $FIXTURE_FORMAT" ]]; then
		log "fixtures: format changed ($(head -n1 "$stamp") -> format $FIXTURE_FORMAT); rebuilding"
		rm -f "$stamp" "$FIX/bookworm.tar" "$FIX/bookworm.id" "$FIX/bookworm-oci.tar" "$FIX/bookworm.dpkg.txt"
		safe_rm "$FIX/rootfs"
		safe_rm "$FIX/bookworm-oci"
	fi
	if [[ ! -f $stamp ]]; then
		phase rootfs build_rootfs
		phase archive build_archive
		build_dpkg_list
	fi
	phase image-in-daemon ensure_image_in_daemon
	phase push push_image
	phase oci build_oci
	phase lang build_lang
	phase hardening build_hardening
	if [[ ! -f $stamp ]]; then
		{
			echo "format $FIXTURE_FORMAT"
			echo "built $(date -Is)"
			echo "image $(cat "$FIX/bookworm.id")"
		} >"$stamp.tmp"
		mv "$stamp.tmp" "$stamp"
		log "fixtures: complete"
	else
		log "fixtures: present ($(sed -n 2p "$stamp"))"
	fi
}

########################################################################
main() {
	local t0
	t0=$(now)
	mkdir -p "$FIX/logs" || die "cannot create fixture dir $FIX"
	FIX=$(realpath "$FIX")
	REGDIR=$FIX/registry
	# one setup at a time (other shells/engineers may run tests concurrently)
	exec 9>"$FIX/.lock"
	if ! flock -n 9; then
		log "waiting for another scripts/env.sh holding $FIX/.lock"
		flock -w 1200 9 || die "timed out waiting for $FIX/.lock"
	fi
	phase packages setup_packages
	phase dockerd setup_dockerd
	phase registry setup_registry
	REG_REF=127.0.0.1:$REG_PORT/$IMAGE
	setup_fixtures

	local f
	for f in rootfs/var/lib/dpkg/status bookworm.tar bookworm-oci/index.json bookworm-oci.tar bookworm.dpkg.txt lang.tar hardening-weak.tar hardening-clean.tar; do
		[[ -s $FIX/$f ]] || die "fixture $FIX/$f missing after setup"
	done
	log "setup total: $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}')s (${PHASES[*]})"

	cat <<EOF
export VIGIL_TEST_FIXTURES='$FIX'
export VIGIL_TEST_ROOTFS='$FIX/rootfs'
export VIGIL_TEST_ARCHIVE='$FIX/bookworm.tar'
export VIGIL_TEST_OCI='$FIX/bookworm-oci'
export VIGIL_TEST_OCI_ARCHIVE='$FIX/bookworm-oci.tar'
export VIGIL_TEST_REGISTRY='127.0.0.1:$REG_PORT'
export VIGIL_TEST_REGISTRY_REF='$REG_REF'
export VIGIL_TEST_DOCKER_REF='$IMAGE'
export VIGIL_TEST_DPKG='$FIX/bookworm.dpkg.txt'
export VIGIL_TEST_LANG_ARCHIVE='$FIX/lang.tar'
export VIGIL_TEST_LANG_REF='$LANG_IMAGE'
export VIGIL_TEST_HARDENING_WEAK_ARCHIVE='$FIX/hardening-weak.tar'
export VIGIL_TEST_HARDENING_WEAK_REF='vigil-test/hardening-weak:latest'
export VIGIL_TEST_HARDENING_CLEAN_ARCHIVE='$FIX/hardening-clean.tar'
export VIGIL_REQUIRE_ENV=1
EOF
}

main "$@"
