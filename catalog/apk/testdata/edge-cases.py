# Writes edge-cases.installed, an apk installed database with the records
# a real apk writes rarely or never. python3 edge-cases.py
recs = []
# 1. Several F dirs, several R lines each, a/M/Z lines between, CRLF ends.
recs.append("\r\n".join([
    "C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "P:crlf-pkg",
    "V:1.0-r0",
    "A:aarch64",
    "L:MIT AND BSD-2-Clause",
    "o:crlf",
    "F:usr/bin",
    "R:one",
    "a:0:0:755",
    "Z:Q1BBBBBBBBBBBBBBBBBBBBBBBBBBB=",
    "R:two",
    "F:usr/share/crlf",
    "M:0:0:755",
    "R:three.txt",
    "R:name with spaces",
    "F:etc/",
    "R:crlf.conf",
]) + "\r\n")
# 2. No origin, no arch, no license: source is the package itself.
recs.append("P:bare\nV:0.1-r2\nF:opt\nR:bare\n")
# 3. A record without a version: skipped.
recs.append("P:noversion\nA:x86_64\n")
# 4. A record without a name: skipped.
recs.append("V:1.2.3-r0\nA:x86_64\n")
# 5. An R line before any F line, a line that is not a field, an
#    unknown field, and an SPDX expression with OR (kept whole).
recs.append("P:odd\nV:2-r0\nA:x86_64\nR:orphan\nthis is not a field\nX:unknown field\nL:(MIT OR Apache-2.0) AND Zlib\no:odd-src\nF:usr/lib\nR:libodd.so.2\n")
# 6. A very long description line (64 KiB) and a long file name.
recs.append("P:long\nV:3.0-r1\nA:x86_64\nT:" + "d" * 65536 + "\nL:GPL-2.0-only\nF:usr/share/long\nR:" + "n" * 255 + "\n")
# 7. The same package twice: the second record is ignored.
recs.append("P:bare\nV:0.1-r2\nF:opt\nR:other\n")
# 8. Paths that try to leave the root, cleaned to stay inside it.
recs.append("P:dots\nV:1-r0\nA:x86_64\nF:usr/../../etc\nR:../passwd\n")
# 9. The last record ends without a blank line, or a final newline.
recs.append("P:last\nV:9.9-r9\nA:x86_64\no:last-src\nL:Public-Domain\nF:var/lib/last\nR:state")
open("edge-cases.installed", "w", newline="").write("\n".join(recs))
