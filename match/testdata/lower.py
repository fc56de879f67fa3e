#!/usr/bin/env python3
"""lower.py: make fixtures/bookworm.status, the dpkg status of the bookworm
fixture image (debootstrap --variant=minbase, 88 packages) with the packages
of 14 source packages moved back to the versions Debian 11 "bullseye"
released with, so that the Debian records of July 2023 call them vulnerable.

    python3 match/testdata/lower.py /var/cache/vigil-fixtures/rootfs/var/lib/dpkg/status \
        > match/testdata/fixtures/bookworm.status

Only the fields the matcher reads are kept (Package, Status, Architecture,
Source, Version). Each lowered version is the one the bullseye release
(11.0, August 2021) shipped, so the result is a status a real, outdated
Debian system could have had: it is what an image built on an old base and
never upgraded carries. Every binary package of a lowered source is lowered
to the same version (a binary's own epoch, which its source lacks, is kept:
bsdutils "1:2.36.1-8" from util-linux "2.36.1-8", so the rule "compare the
SOURCE version" is exercised). Other packages keep their real versions,
including binNMUs ("bash 5.2.15-2+b13" from source "5.2.15-2").
"""
import re
import sys

# source package -> bullseye 11.0 version
LOWER = {
    "zlib": "1:1.2.11.dfsg-2",
    "libtasn1-6": "4.16.0-2",
    "ncurses": "6.2+20201114-2",
    "e2fsprogs": "1.46.2-2",
    "libzstd": "1.4.8+dfsg-2.1",
    "pcre2": "10.36-2",
    "systemd": "247.3-7",
    "gnutls28": "3.7.1-5",
    "libcap2": "1:2.44-1",
    "dpkg": "1.20.9",
    "gzip": "1.10-4",
    "xz-utils": "5.2.5-2",
    "tar": "1.34+dfsg-1",
    "util-linux": "2.36.1-8",
}

KEEP = ("Package", "Status", "Architecture", "Source", "Version")


def stanzas(text):
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            m = re.match(r"^([A-Za-z0-9-]+):\s*(.*)$", line)
            if m and m.group(1) in KEEP:
                fields[m.group(1)] = m.group(2)
        if "Package" in fields:
            yield fields


def epoch(v):
    return v.split(":", 1)[0] + ":" if ":" in v else ""


def main():
    out = []
    for f in stanzas(open(sys.argv[1]).read()):
        src, srcver = f["Package"], f["Version"]
        m = re.match(r"^(\S+)(?: \((.*)\))?$", f.get("Source", ""))
        if m and m.group(1):
            src, srcver = m.group(1), m.group(2) or f["Version"]
        if src in LOWER:
            new = LOWER[src]
            binver = new if epoch(new) or not epoch(f["Version"]) else epoch(f["Version"]) + new
            f["Version"] = binver
            if src != f["Package"] or binver != new:
                f["Source"] = src + ("" if binver == new else " (" + new + ")")
            else:
                f.pop("Source", None)
        out.append("\n".join(k + ": " + f[k] for k in KEEP if k in f))
    sys.stdout.write("\n\n".join(out) + "\n")


main()
