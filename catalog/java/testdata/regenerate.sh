#!/bin/sh
# Regenerates root/ and root.maven-repo.txt from Debian 12 (bookworm)
# packages; see README.md. Needs apt-get and dpkg-deb (Debian or Ubuntu).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download libslf4j-java=1.7.32-1 libjackson2-annotations-java=2.14.0-1 \
	libcommons-cli-java=1.5.0-1 libhamcrest-java=2.2-1 libjsr305-java=0.1~+svn49-11
for d in *.deb; do dpkg-deb -x "$d" x; done
java=usr/share/java
rm -rf "$here/root" && mkdir -p "$here/root/$java"
jars="slf4j-api.jar jcl-over-slf4j.jar slf4j-simple.jar jackson-annotations.jar commons-cli.jar
hamcrest-2.2.jar hamcrest-integration-1.3.1-SNAPSHOT.jar jsr305-0.1~+svn49.jar"
for j in $jars; do cp "x/$java/$j" "$here/root/$java/"; done
ln -s slf4j-api.jar "$here/root/$java/slf4j-api-1.7.32.jar"
# The independent truth: Debian's Maven repository links each jar under
# group/artifact/version (the "debian" and "N.x" aliases left out).
cd x/usr/share/maven-repo
find . -type l | while read -r l; do
	jar=$(basename "$(readlink -f "$l")")
	v=$(dirname "$l"); a=$(dirname "$v"); g=$(dirname "$a")
	case "$(basename "$v")" in debian|*.x) continue ;; esac
	for j in $jars; do
		[ "$j" = "$jar" ] && echo "$jar $(echo "${g#./}" | tr / .):$(basename "$a"):$(basename "$v")"
	done
done | sort -u > "$here/root.maven-repo.txt"
