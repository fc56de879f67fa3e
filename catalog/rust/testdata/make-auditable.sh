#!/bin/sh
# Rebuilds testdata/auditdemo, testdata/auditdemo.dep-v0.json and
# testdata/project/Cargo.lock (see README.md). Needs cargo and rustc, python3,
# objcopy (binutils), go (for a PE file of its distribution), and Debian's crate sources:
#   apt-get install -y librust-itoa-dev librust-memchr-dev librust-num-traits-dev
# cargo-auditable is not packaged for Debian 12, so this script does what it
# does: the audit data is derived from `cargo metadata` the way
# cargo-auditable's auditable_from_metadata.rs derives it (format 0), written
# as compact JSON, zlib-compressed (level 7, as cargo-auditable uses) and
# added to the executable as a ".dep-v0" section without flags.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/project/." "$work/"
rm -f "$work/Cargo.lock"
mkdir -p "$work/.cargo"
cat > "$work/.cargo/config.toml" <<'EOF'
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
EOF
cd "$work"
# prefer-dynamic links Rust's standard library as a shared object: the
# executable stays a few kilobytes.
RUSTFLAGS="-C prefer-dynamic" cargo build --release --quiet
cargo metadata --format-version 1 --filter-platform x86_64-unknown-linux-gnu > metadata.json
python3 - metadata.json dep-v0.json dep-v0.zlib <<'EOF'
import json, sys, zlib
meta = json.load(open(sys.argv[1]))
root = meta["resolve"]["root"]
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
DEV, BUILD, RUNTIME = 0, 1, 2
KIND = {None: RUNTIME, "normal": RUNTIME, "build": BUILD, "dev": DEV}
def strongest(dep):
    return max((KIND[k["kind"]] for k in dep.get("dep_kinds", [])), default=RUNTIME)
kinds = {root: RUNTIME}
queue = [root]
while queue:
    nxt = []
    for parent in queue:
        for dep in nodes[parent]["deps"]:
            k = min(strongest(dep), kinds[parent])
            if dep["pkg"] not in kinds or k > kinds[dep["pkg"]]:
                kinds[dep["pkg"]] = k
                nxt.append(dep["pkg"])
    queue = nxt
pkgs = [p for p in meta["packages"] if kinds.get(p["id"], DEV) != DEV]
pkgs.sort(key=lambda p: (p["name"], p["id"]))
index = {p["id"]: i for i, p in enumerate(pkgs)}
def source(s):
    if s is None:
        return "local"
    if s == "registry+https://github.com/rust-lang/crates.io-index":
        return "crates.io"
    return s.split("+")[0]
out = []
for p in pkgs:
    e = {"name": p["name"], "version": p["version"], "source": source(p["source"])}
    if kinds[p["id"]] == BUILD:
        e["kind"] = "build"
    deps = sorted(index[d["pkg"]] for d in nodes[p["id"]]["deps"] if strongest(d) != DEV)
    if deps:
        e["dependencies"] = deps
    if p["id"] == root:
        e["root"] = True
    out.append(e)
data = json.dumps({"packages": out}, separators=(",", ":")).encode()
open(sys.argv[2], "wb").write(data)
open(sys.argv[3], "wb").write(zlib.compress(data, 7))
EOF
objcopy --add-section .dep-v0=dep-v0.zlib target/release/auditdemo "$here/auditdemo"
# The same data in a real PE executable, the smallest of the Go
# distribution's debug/pe test files (a MinGW "hello world"); PE sections
# need an address, after the file's last one (.tls at 0x408000).
objcopy --add-section .dep-v0=dep-v0.zlib \
	--set-section-flags .dep-v0=contents,readonly,data,alloc,load \
	--change-section-vma .dep-v0=0x40a000 \
	"$(go env GOROOT)/src/debug/pe/testdata/gcc-386-mingw-no-symbols-exec" "$here/auditdemo-pe.exe"
cp dep-v0.json "$here/auditdemo.dep-v0.json"
# Hostile: a zlib bomb (16 MiB of zeros, over the 8 MiB limit, in 16 KB) in
# the .dep-v0 section of the same executable.
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(bytes(16 << 20), 9))' > bomb.zlib
mkdir -p "$here/hostile"
objcopy --update-section .dep-v0=bomb.zlib "$here/auditdemo" "$here/hostile/zlib-bomb"
cp Cargo.lock "$here/project/Cargo.lock"
