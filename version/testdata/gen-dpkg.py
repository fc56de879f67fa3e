#!/usr/bin/env python3
"""Regenerates dpkg.txt: version pairs with dpkg's own verdicts.

Run on a Debian machine from version/testdata:  python3 gen-dpkg.py > dpkg.txt
Versions come from /var/lib/dpkg/status, from the "fixed" events of
/work/shared/vulndata/osv/Debian/all.zip (or $DEBIAN_OSV_ZIP), and from
generated strings (epochs, tildes, letters, carets, leading zeros, invalid
syntax). Each line is "A B RESULT" with RESULT -1, 0 or 1 from
`dpkg --compare-versions`, or "invalid" when dpkg reports a syntax error or
warning for A or B.
"""
import json, os, random, subprocess, zipfile

rng = random.Random(4)


def status_versions():
    out = []
    with open("/var/lib/dpkg/status") as f:
        for line in f:
            if line.startswith("Version: "):
                out.append(line.split(" ", 1)[1].strip())
    return out


def osv_fixed(path):
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            rec = json.loads(z.read(name))
            for aff in rec.get("affected", []):
                for rng_ in aff.get("ranges", []):
                    for ev in rng_.get("events", []):
                        if "fixed" in ev:
                            out.append(ev["fixed"])
    return out


def generated():
    atoms = ["0", "1", "2", "9", "10", "01", "1a", "1b", "a", "z", "~", "~~", "~rc1", "+", "+b1", ".", "-", "-1", "-0", ":", "~a", "+dfsg", "_", "^"]
    out = set()
    for _ in range(600):
        s = rng.choice(["", "", "1:", "0:", "2:", "10:"]) + rng.choice(["0", "1", "2", "9", "10"])
        for _ in range(rng.randint(0, 4)):
            s += rng.choice(atoms)
        out.add(s)
    return sorted(out)


def valid(v):
    r = subprocess.run(["dpkg", "--compare-versions", v, "eq", v], capture_output=True, text=True)
    return r.returncode == 0 and r.stderr == ""


def verdict(a, b):
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return -1
    if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0:
        return 0
    return 1


def main():
    real = sorted(set(status_versions()) | set(osv_fixed(os.environ.get("DEBIAN_OSV_ZIP", "/work/shared/vulndata/osv/Debian/all.zip"))))
    gen = generated()
    pool = rng.sample(real, 700) + gen
    ok = {v: valid(v) for v in set(pool)}
    pairs = set()
    sorted_real = sorted(rng.sample(real, 600))
    pairs.update(zip(sorted_real, sorted_real[1:]))  # neighbours: near-equal versions
    for _ in range(1500):
        pairs.add((rng.choice(pool), rng.choice(pool)))
    for _ in range(500):
        a = rng.choice(gen)
        pairs.add((a, a if rng.random() < 0.1 else rng.choice(gen)))
    for a, b in sorted(pairs):
        if " " in a + b or a.startswith("-") or b.startswith("-"):
            continue
        if not ok.get(a, valid(a)) or not ok.get(b, valid(b)):
            print(a, b, "invalid")
        else:
            print(a, b, verdict(a, b))


main()
