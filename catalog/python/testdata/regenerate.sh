#!/bin/sh
# Regenerates the installed-distribution samples under root/ and the
# independent truth root.importlib.txt. Run on Debian 12 (bookworm) with
#   apt-get install -y --no-install-recommends python3-requests python3-yaml \
#     python3-six python3-urllib3 python3-certifi python3-idna python3-chardet
# and a pyenv CPython 3.11.7 (for the pip wheel's dist-info).
set -eu
cd "$(dirname "$0")"
rm -rf root
deb=usr/lib/python3/dist-packages
pyenv_site=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages
# The pip wheel's dist-info goes where the official python images keep it.
local_site=usr/local/lib/python3.11/site-packages
mkdir -p "root/$deb" "root/$local_site"
for d in requests-2.28.1.egg-info PyYAML-6.0.dist-info six-1.16.0.egg-info \
	urllib3-1.26.12.egg-info certifi-2022.9.24.egg-info idna-3.3.egg-info \
	chardet-5.1.0.dist-info charset_normalizer-3.0.1.dist-info \
	lazr.uri-1.0.6.egg-info cryptography-38.0.4.dist-info cryptography.egg-info; do
	mkdir -p "root/$deb/$d"
	for f in METADATA PKG-INFO RECORD installed-files.txt; do
		if [ -f "/$deb/$d/$f" ]; then cp "/$deb/$d/$f" "root/$deb/$d/$f"; fi
	done
done
# A single-file egg-info (distutils' install_egg_info).
cp "/$deb/crit-3.17.1-py3.11.egg-info" "root/$deb/"
d=$(basename "$pyenv_site"/pip-*.dist-info)
mkdir -p "root/$local_site/$d"
cp "$pyenv_site/$d/METADATA" "$pyenv_site/$d/RECORD" "root/$local_site/$d/"
# The truth: what Python's own importlib.metadata reads from the copies.
/usr/bin/python3 - "root/$deb" "root/$local_site" > root.importlib.txt <<'PY'
import importlib.metadata as m, os, sys
out = set()
for site in sys.argv[1:]:
    for d in m.distributions(path=[site]):
        out.add("%s %s %s" % (os.path.relpath(site, "root"), d.metadata["Name"], d.version))
print("\n".join(sorted(out)))
PY
