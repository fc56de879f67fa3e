#!/usr/bin/python3
"""expected.py: the findings the fixtures must yield, computed independently
of vigil's Go code.

    /usr/bin/python3 match/testdata/expected.py match/testdata

Reads the fixtures and osv/<Ecosystem>/all.zip (see cut.py) and writes
expected/<Ecosystem>.tsv: one line "package<TAB>version<TAB>record id" per
package (as the fixture names it) and record that affects it. Records are
evaluated by the OSV schema's algorithm (ossf.github.io/osv-schema,
"Evaluation"), written here from the spec, with each ecosystem's own order:

  Debian     `dpkg --compare-versions` (the real dpkg), on the SOURCE version
             of each binary package, against the source packages the
             Debian:12 records name
  PyPI       packaging.version (apt-get install python3-packaging)
  npm, crates.io, Go
             SemVer 2.0.0 precedence (semver.org section 11), written here;
             Go versions without their "v"; a Go binary's stdlib against
             the records' "stdlib" entries
  Maven      Maven's ComparableVersion rules, written here
  RubyGems   Gem::Version's rules, written here

A package whose version is empty, or that its ecosystem's order cannot
parse, yields nothing (vigil reports it as unscannable); so does a range
with an event that cannot be compared.
"""
import functools
import json
import os
import re
import subprocess
import sys
import zipfile

from packaging.version import Version


# --- orders -----------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def dpkg_cmp(a, b):
    if a == b:
        return 0
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return -1
    if subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0:
        return 1
    return 0


SEMVER = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(v):
    m = SEMVER.match(v)
    if not m:
        raise ValueError("not semver: " + v)
    return [int(m.group(i)) for i in (1, 2, 3)], m.group(4)


def semver_cmp(a, b):
    (na, pa), (nb, pb) = semver_key(a), semver_key(b)
    if na != nb:
        return -1 if na < nb else 1
    if pa == pb:
        return 0
    if pa is None:
        return 1
    if pb is None:
        return -1
    xa, xb = pa.split("."), pb.split(".")
    for x, y in zip(xa, xb):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit():
            return -1
        if y.isdigit():
            return 1
        return -1 if x < y else 1
    return (len(xa) > len(xb)) - (len(xa) < len(xb))


def pep440_cmp(a, b):
    x, y = Version(a), Version(b)
    return (x > y) - (x < y)


def gem_segments(v):
    if not re.match(r"^\s*[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\s*$", v):
        raise ValueError("not a gem version: " + v)
    v = v.strip().replace("-", ".pre.")
    segs = [int(s) if s.isdigit() else s for s in re.findall(r"[0-9]+|[a-zA-Z]+", v)]
    # canonical segments: drop trailing zeros of the release and of the
    # pre-release part, as Gem::Version#canonical_segments does
    idx = next((i for i, s in enumerate(segs) if isinstance(s, str)), len(segs))
    rel, pre = segs[:idx], segs[idx:]
    while rel and rel[-1] == 0:
        rel.pop()
    while pre and pre[-1] == 0:
        pre.pop()
    return rel + pre


def gem_cmp(a, b):
    x, y = gem_segments(a), gem_segments(b)
    for i in range(max(len(x), len(y))):
        s = x[i] if i < len(x) else 0
        t = y[i] if i < len(y) else 0
        if s == t:
            continue
        if isinstance(s, str) and isinstance(t, int):
            return -1
        if isinstance(s, int) and isinstance(t, str):
            return 1
        return -1 if s < t else 1
    return 0


# Maven ComparableVersion: items are ints, qualifier strings and sublists
# (a "-" or a digit/letter change starts a sublist).
QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}


def mvn_qualifier(s):
    if len(s) == 1 and s in "abm":
        s = {"a": "alpha", "b": "beta", "m": "milestone"}[s]
    s = ALIASES.get(s, s)
    return ("%d" % QUALIFIERS.index(s)) if s in QUALIFIERS else ("%d-%s" % (len(QUALIFIERS), s))


def mvn_parse(v):
    v = v.lower()
    root = []
    cur, stack = root, [root]
    start, digit = 0, False

    def item(s, is_digit):
        return int(s) if is_digit else ("s", s)

    for i, c in enumerate(v):
        if c == ".":
            cur.append(0 if i == start else item(v[start:i], digit))
            start = i + 1
        elif c == "-":
            cur.append(0 if i == start else item(v[start:i], digit))
            start = i + 1
            new = []
            cur.append(new)
            cur = new
            stack.append(cur)
        elif c.isdigit():
            if not digit and i > start:
                cur.append(item(v[start:i], False))
                start = i
                new = []
                cur.append(new)
                cur = new
                stack.append(cur)
            digit = True
        else:
            if digit and i > start:
                cur.append(item(v[start:i], True))
                start = i
                new = []
                cur.append(new)
                cur = new
                stack.append(cur)
            digit = False
    if len(v) > start:
        cur.append(item(v[start:], digit))
    for lst in reversed(stack):
        mvn_normalize(lst)
    return root


def mvn_null(x):
    return x == 0 or x == [] or (isinstance(x, tuple) and mvn_qualifier(x[1]) == mvn_qualifier(""))


def mvn_normalize(lst):
    i = len(lst) - 1
    while i >= 0:
        x = lst[i]
        if mvn_null(x):
            del lst[i]
        elif not isinstance(x, list):
            break
        i -= 1


def mvn_item_cmp(a, b):
    """compare item a with item b (b may be None)"""
    if b is None:
        if isinstance(a, int):
            return 0 if a == 0 else 1
        if isinstance(a, tuple):
            return mvn_str_cmp(mvn_qualifier(a[1]), mvn_qualifier(""))
        if not a:
            return 0
        return mvn_item_cmp(a[0], None)
    if isinstance(a, int):
        if isinstance(b, int):
            return (a > b) - (a < b)
        return 1
    if isinstance(a, tuple):
        if isinstance(b, int):
            return -1
        if isinstance(b, tuple):
            return mvn_str_cmp(mvn_qualifier(a[1]), mvn_qualifier(b[1]))
        return -1
    if isinstance(b, (int, tuple)):
        return -1 if isinstance(b, int) else 1
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        c = -mvn_item_cmp(y, None) if x is None else mvn_item_cmp(x, y)
        if c:
            return c
    return 0


def mvn_str_cmp(x, y):
    return (x > y) - (x < y)


def maven_cmp(a, b):
    if not a or not b:
        raise ValueError("empty maven version")
    return mvn_item_cmp(mvn_parse(a), mvn_parse(b))


ORDERS = {"Debian": dpkg_cmp, "PyPI": pep440_cmp, "npm": semver_cmp, "crates.io": semver_cmp,
          "Go": semver_cmp, "Maven": maven_cmp, "RubyGems": gem_cmp}


# --- the OSV evaluation algorithm ---------------------------------------------

def affected(v, aff, cmp):
    if v in aff.get("versions", []):
        return True
    for r in aff.get("ranges", []):
        if r["type"] == "GIT":
            continue
        try:
            if before_limits(v, r, cmp) and in_range(v, r, cmp):
                return True
        except Exception:
            continue
    return False


def before_limits(v, r, cmp):
    limits = [e["limit"] for e in r["events"] if "limit" in e]
    return not limits or any(l == "*" or cmp(v, l) < 0 for l in limits)


def event_key(cmp):
    def value(e):
        return next(iter(e.values()))

    def order(x, y):
        if x.get("introduced") == "0":
            return 0 if y.get("introduced") == "0" else -1
        if y.get("introduced") == "0":
            return 1
        return cmp(value(x), value(y))
    return functools.cmp_to_key(order)


def in_range(v, r, cmp):
    vulnerable = False
    for e in sorted(r["events"], key=event_key(cmp)):
        if "introduced" in e and (e["introduced"] == "0" or cmp(v, e["introduced"]) >= 0):
            vulnerable = True
        elif "fixed" in e and cmp(v, e["fixed"]) >= 0:
            vulnerable = False
        elif "last_affected" in e and cmp(v, e["last_affected"]) > 0:
            vulnerable = False
    return vulnerable


# --- inputs --------------------------------------------------------------------

def norm(eco, name):
    return re.sub(r"[-_.]+", "-", name).lower() if eco == "PyPI" else name


def debian_packages(path):
    for block in open(path).read().split("\n\n"):
        f = dict(re.findall(r"^([A-Za-z-]+): (.*)$", block, re.M))
        if "Package" not in f:
            continue
        m = re.match(r"^(\S+)(?: \((.*)\))?$", f.get("Source", f["Package"]))
        yield f["Package"], f["Version"], m.group(1), m.group(2) or f["Version"]


def packages(testdata, eco):
    fx = os.path.join(testdata, "fixtures")
    if eco == "Debian":
        yield from debian_packages(os.path.join(fx, "bookworm.status"))
        return
    if eco == "Go":
        ps = [p for p in json.load(open(os.path.join(fx, "lang.inventory.json")))["packages"] if p["type"] == "golang"]
        for p in ps:
            yield p["name"], p["version"], p["name"], p["version"].removeprefix("v")
        return
    file = {"npm": "npm", "PyPI": "pypi", "crates.io": "crates", "Maven": "maven", "RubyGems": "gems"}[eco]
    for p in json.load(open(os.path.join(fx, file + ".packages.json"))):
        yield p["name"], p["version"], p["name"], p["version"]


def records(testdata, eco):
    with zipfile.ZipFile(os.path.join(testdata, "osv", eco, "all.zip")) as z:
        return [json.loads(z.read(n)) for n in sorted(z.namelist())]


def main():
    testdata = sys.argv[1]
    os.makedirs(os.path.join(testdata, "expected"), exist_ok=True)
    for eco, cmp in ORDERS.items():
        recs = [r for r in records(testdata, eco) if not r.get("withdrawn")]
        lines = set()
        for name, version, match_name, match_version in packages(testdata, eco):
            try:
                cmp(match_version, match_version)
            except Exception:
                continue  # unscannable
            for r in recs:
                for a in r.get("affected", []):
                    pkg = a.get("package", {})
                    eco_ok = pkg.get("ecosystem") == ("Debian:12" if eco == "Debian" else eco)
                    if eco_ok and norm(eco, pkg.get("name", "")) == norm(eco, match_name) and affected(match_version, a, cmp):
                        lines.add(f"{name}\t{version}\t{r['id']}")
                        break
        with open(os.path.join(testdata, "expected", eco + ".tsv"), "w") as out:
            out.write("".join(l + "\n" for l in sorted(lines)))
        print(f"{eco}: {len(lines)} findings", file=sys.stderr)


main()
