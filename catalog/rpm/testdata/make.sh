#!/usr/bin/env bash
# Regenerates the rpm databases under testdata/ with real rpm tools, and the
# golden files that record what rpm itself says they contain.
#
#   sqlite/base/rpmdb.sqlite    vigil-hello 1.0, vigil-hello-libs 1.0,
#                               vigil-epoch 2:3.1, and the gpg-pubkey of
#                               specs/vigil-test-key.asc
#   sqlite/final/rpmdb.sqlite   base, then vigil-hello upgraded to 1.1 and
#                               vigil-noarch installed
#   sqlite/wal/rpmdb.sqlite     base, plus vigil-noarch committed to the
#   sqlite/wal/rpmdb.sqlite-wal write-ahead log only (the writer stopped
#                               before a checkpoint)
#   ndb/final/Packages.db       final, in rpm's NDB format
#   bdb/libuuid/Packages        copied, not generated: see README.md
#
# Each DIR gets DIR.rpmqa.txt: `rpm -qa` with the fields vigil reads.
#
# Needs rpm and rpmbuild (Debian's rpm package: rpm 4.18, sqlite and
# read-only bdb backends), python3 for the WAL case, and an rpm with the
# NDB backend, which Debian does not build: set RPM_NDB to one (README.md
# says how to build it), or the NDB database is left as it is.
#
# The databases differ from run to run (install times); what the tests
# compare, the golden files, does not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
RPM_NDB=${RPM_NDB:-}
export SOURCE_DATE_EPOCH=1700000000

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() { # spec [rpmbuild args...]
	local spec=$1
	shift
	rpmbuild -bb --quiet \
		--define "_topdir $work/build" \
		--define "_buildhost vigil.invalid" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "_build_id_links none" \
		--define "__os_install_post %{nil}" \
		"$@" "specs/$spec" >/dev/null
}

install_rpms() { # rpm-binary dbdir flags rpm-files...
	local rpmbin=$1 db=$2 flags=$3
	shift 3
	"$rpmbin" --dbpath "$db" "$flags" --justdb --nodeps --noscripts \
		--ignorearch --ignoreos --nosignature --nodigest "$@"
}

build vigil-hello.spec
build vigil-epoch.spec
build vigil-noarch.spec
build vigil-hello.spec --define "hello_version 1.1"
r=$work/build/RPMS
hello10=$r/x86_64/vigil-hello-1.0-1.el9.x86_64.rpm
libs10=$r/x86_64/vigil-hello-libs-1.0-1.el9.x86_64.rpm
hello11=$r/x86_64/vigil-hello-1.1-1.el9.x86_64.rpm
epoch=$r/x86_64/vigil-epoch-3.1-4.el9.x86_64.rpm
noarch=$r/noarch/vigil-noarch-0.9-7.noarch.rpm

make_db() { # rpm-binary backend dir stage
	local rpmbin=$1 backend=$2 dir=$3 stage=$4
	local db=$work/db-$backend-$stage
	rm -rf "$db" && mkdir -p "$db"
	"$rpmbin" --define "_db_backend $backend" --dbpath "$db" --initdb
	install_rpms "$rpmbin" "$db" -i --define "_db_backend $backend" "$hello10" "$libs10" "$epoch"
	"$rpmbin" --define "_db_backend $backend" --dbpath "$db" --import specs/vigil-test-key.asc
	if [ "$stage" = final ]; then
		install_rpms "$rpmbin" "$db" -U --define "_db_backend $backend" "$hello11"
		install_rpms "$rpmbin" "$db" -i --define "_db_backend $backend" "$noarch"
	fi
	mkdir -p "$dir"
	case $backend in
	sqlite) cp "$db/rpmdb.sqlite" "$dir/" ;;
	ndb) cp "$db/Packages.db" "$dir/" ;;
	esac
}

make_db rpm sqlite sqlite/base base
make_db rpm sqlite sqlite/final final

# The WAL case: a committed transaction that only the -wal file holds, as
# a layer has it when the writer stopped before SQLite's checkpoint.
rm -rf sqlite/wal && mkdir -p sqlite/wal "$work/wal"
cp sqlite/base/rpmdb.sqlite "$work/wal/"
cp sqlite/final/rpmdb.sqlite "$work/wal/final.sqlite" # opening it makes -shm and -wal files
python3 - "$work/wal/rpmdb.sqlite" "$work/wal/final.sqlite" <<'EOF'
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA wal_autocheckpoint=0")
final = sqlite3.connect("file:" + sys.argv[2] + "?mode=ro", uri=True)
blobs = [b for (b,) in final.execute("SELECT blob FROM Packages") if b"vigil-noarch" in b]
if len(blobs) != 1:
    sys.exit("vigil-noarch not found in the final database")
conn.execute("INSERT INTO Packages (blob) VALUES (?)", (blobs[0],))
# Leave without closing: the WAL keeps the commit and is not checkpointed.
os._exit(0)
EOF
cp "$work/wal/rpmdb.sqlite" "$work/wal/rpmdb.sqlite-wal" sqlite/wal/

# The BerkeleyDB sample is real data from go-rpmdb's tests (rpm 4.18 cannot
# write BerkeleyDB); copy it from the module cache.
mkdir -p bdb/libuuid
go mod download github.com/knqyf263/go-rpmdb
cp "$(go env GOMODCACHE)/github.com/knqyf263/go-rpmdb@v0.1.1/pkg/testdata/libuuid/Packages" bdb/libuuid/
chmod 0644 bdb/libuuid/Packages

if [ -n "$RPM_NDB" ]; then
	make_db "$RPM_NDB" ndb ndb/final final
else
	echo "RPM_NDB not set: ndb/final/Packages.db left as it is" >&2
fi

# What rpm says each database holds. Query a copy: opening a database may
# checkpoint or rebuild its files.
NAMES='%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n'
FILES='[F\t%{=NAME}\t%{FILEMODES:octal}\t%{FILENAMES}\n]'
query() { # rpm-binary backend dir db-files...
	local rpmbin=$1 backend=$2 dir=$3
	shift 3
	local q=$work/query
	rm -rf "$q" && mkdir -p "$q"
	for f in "$@"; do cp "$dir/$f" "$q/"; done
	{
		echo "# rpm -qa --dbpath $dir ($("$rpmbin" --version)); regenerate with make.sh"
		# rpm warns about the index files that only Packages is copied without.
		"$rpmbin" --define "_db_backend $backend" --dbpath "$q" -qa --qf "P\t$NAMES" 2>/dev/null | LC_ALL=C sort
		"$rpmbin" --define "_db_backend $backend" --dbpath "$q" -qa --qf "$FILES" 2>/dev/null | LC_ALL=C sort
	} >"$dir.rpmqa.txt"
}
query rpm sqlite sqlite/base rpmdb.sqlite
query rpm sqlite sqlite/final rpmdb.sqlite
query rpm sqlite sqlite/wal rpmdb.sqlite rpmdb.sqlite-wal
query rpm bdb_ro bdb/libuuid Packages
if [ -n "$RPM_NDB" ]; then
	query "$RPM_NDB" ndb ndb/final Packages.db
fi
ls -l sqlite/*/ ndb/*/ bdb/*/
