#!/usr/bin/env python3
"""Regenerates apk.txt, maven.txt, pypi.txt, rubygems.txt and packagist.txt.

Usage: python3 gen-subsets.py DIR, DIR being semantic/testdata of the Go
module github.com/google/osv-scalibr (v0.5.3). Each output is a random
sample of 1500 lines of DIR/<eco>-versions-generated.txt ("A < B", "A = B"),
whose verdicts OSV's generator scripts got from the real tools (apk
version -t, Maven's ComparableVersion, Python's packaging, Ruby's
Gem::Version, PHP's version_compare). Lines are kept only where that tool
is the ecosystem's rule today: PyPI lines whose versions are all PEP 440
(packaging's removed LegacyVersion ordered the others); Packagist lines
whose versions Composer's classical-version pattern accepts lower-case and
without "stable", in pairs with as many release numbers on each side
(Composer pads both to four numbers before version_compare; PHP alone
orders "3.0" before "3.0.0-beta").
"""
import random, re, sys

PEP440 = re.compile(r"^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
                    r"(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$", re.I)
COMPOSER = re.compile(r"^v?[0-9]+(?:\.[0-9]+){0,3}(?:[._-]?(?:beta|b|rc|alpha|a|patch|pl|p)(?:[.-]?[0-9]+)*)?(?:[.-]?dev)?$")
KEEP = {
    "alpine": ("apk", lambda v: True),
    "maven": ("maven", lambda v: True),
    "pypi": ("pypi", PEP440.match),
    "rubygems": ("rubygems", lambda v: True),
    "packagist": ("packagist", COMPOSER.match),
}


def release_len(v):
    return len(re.match(r"v?([0-9.]*[0-9])", v).group(1).split("."))


def main(src):
    rng = random.Random(4)
    for eco, (out, keep) in KEEP.items():
        with open("%s/%s-versions-generated.txt" % (src, eco)) as f:
            lines = [l for l in f.read().splitlines() if l.strip() and not l.startswith("#")]
        lines = [l for l in lines if keep(l.split()[0]) and keep(l.split()[2])]
        if eco == "packagist":
            lines = [l for l in lines if release_len(l.split()[0]) == release_len(l.split()[2])]
        with open(out + ".txt", "w") as f:
            f.write("\n".join(sorted(rng.sample(lines, min(1500, len(lines))))) + "\n")


main(sys.argv[1])
