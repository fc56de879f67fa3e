#!/usr/bin/env python3
"""cut.py: cut the OSV records the fixtures need from the real exports.

    python3 match/testdata/cut.py /work/shared/vulndata/osv match/testdata

For each ecosystem it keeps, byte for byte, every record with an affected
entry naming a package of the fixtures (fixtures/*: Debian source packages
of bookworm.status, the Go modules and stdlib of the
lang image's goapp, and the npm, PyPI, crates.io, Maven and RubyGems
packages), and writes them to osv/<Ecosystem>/all.zip (sorted, fixed
timestamps: the output is deterministic). Names are compared as the
database indexes them (PyPI by PEP 503). Every record of a package is kept,
affected or not, so the tests see the records that must NOT match too.
"""
import json
import os
import re
import sys
import zipfile

ECOS = {"npm": "npm", "pypi": "PyPI", "crates": "crates.io", "maven": "Maven", "gems": "RubyGems"}
TYPES = {"npm": "npm", "pypi": "PyPI", "cargo": "crates.io", "maven": "Maven", "gem": "RubyGems", "golang": "Go"}


def norm(eco, name):
    if eco == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def status_sources(path):
    names = set()
    for block in open(path).read().split("\n\n"):
        f = dict(re.findall(r"^([A-Za-z-]+): (.*)$", block, re.M))
        if "Package" in f:
            names.add(f.get("Source", f["Package"]).split(" ")[0])
    return names


def wanted(testdata):
    fx = os.path.join(testdata, "fixtures")
    want = {e: set() for e in list(ECOS.values()) + ["Go", "Debian"]}
    want["Debian"] |= status_sources(os.path.join(fx, "bookworm.status"))
    lang = json.load(open(os.path.join(fx, "lang.inventory.json")))["packages"]
    for k, eco in ECOS.items():
        lang += [dict(p, ecosystem=p.get("ecosystem") or eco) for p in json.load(open(os.path.join(fx, k + ".packages.json")))]
    for p in lang:
        if p["type"] in TYPES:
            eco = TYPES[p["type"]]
            want[eco].add(norm(eco, p["name"]))
    return want


def main():
    src, testdata = sys.argv[1], sys.argv[2]
    for eco, names in sorted(wanted(testdata).items()):
        keep = {}
        with zipfile.ZipFile(os.path.join(src, eco, "all.zip")) as z:
            for n in z.namelist():
                data = z.read(n)
                rec = json.loads(data)
                for a in rec.get("affected", []):
                    pkg = a.get("package", {})
                    if pkg.get("ecosystem", "").split(":")[0] == eco and norm(eco, pkg.get("name", "")) in names:
                        keep[n] = data
        out = os.path.join(testdata, "osv", eco, "all.zip")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for n in sorted(keep):
                z.writestr(zipfile.ZipInfo(n, date_time=(2026, 11, 23, 0, 0, 0)), keep[n], zipfile.ZIP_DEFLATED)
        print(f"{eco}: {len(keep)} records for {len(names)} names", file=sys.stderr)


main()
