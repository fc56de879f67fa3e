#!/bin/sh
# Regenerates the real npm, yarn and pnpm data under testdata/project.
# Needs node, npm and the npm registry; see README.md. Run from this
# directory: sh gen.sh
set -eu
out=$(cd "$(dirname "$0")" && pwd)/project
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/package.json" <<'JSON'
{
  "name": "vigil-fixture",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "@babel/parser": "7.12.0",
    "express": "4.17.1",
    "lodash": "4.17.20",
    "minimist": "1.2.5"
  },
  "devDependencies": {
    "is-number": "7.0.0",
    "mkdirp": "0.5.1"
  }
}
JSON

rm -rf "$out"
mkdir -p "$out"
cp "$work/package.json" "$out/package.json"

# npm: one tree, three lock file versions.
for v in 1 2 3; do
	d="$work/npm$v"
	mkdir "$d"
	cp "$work/package.json" "$d/"
	(cd "$d" && npm install --no-audit --no-fund --lockfile-version "$v" >/dev/null)
	cp "$d/package-lock.json" "$out/package-lock.v$v.json"
done
(cd "$work/npm3" && npm ls --all --json > "$out/npm-ls.json")
# The package.json of every installed package, nothing else.
(cd "$work/npm3" && find node_modules -name package.json | grep -E '(^|/)node_modules/(@[^/]+/)?[^/@][^/]*/package\.json$' | grep -v '^node_modules/\.' | while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	cp "$f" "$out/$f"
done)

# yarn classic.
d="$work/yarn1"; mkdir "$d"; cp "$work/package.json" "$d/"
(cd "$d" && npx --yes yarn@1.22.22 install --ignore-scripts --non-interactive >/dev/null)
cp "$d/yarn.lock" "$out/yarn.v1.lock"

# yarn berry, pointed at the npm registry.
d="$work/yarn4"; mkdir "$d"; cp "$work/package.json" "$d/"
# An empty yarn.lock makes this directory the project root (yarn berry
# would otherwise take the package.json one level up).
: > "$d/yarn.lock"
printf 'nodeLinker: node-modules\nnpmRegistryServer: "https://registry.npmjs.org"\nenableTelemetry: false\n' > "$d/.yarnrc.yml"
(cd "$d" && YARN_ENABLE_IMMUTABLE_INSTALLS=false npx --yes @yarnpkg/cli-dist@4.5.3 install --mode=update-lockfile >/dev/null) && cp "$d/yarn.lock" "$out/yarn.berry.lock" || echo "yarn berry failed" >&2

# pnpm lockfile versions 5.4 (pnpm 7), 6.0 (pnpm 8), 9.0 (pnpm 9).
for p in 7 8 9; do
	d="$work/pnpm$p"; mkdir "$d"; cp "$work/package.json" "$d/"
	(cd "$d" && npx --yes "pnpm@$p" install --lockfile-only --ignore-scripts >/dev/null) && cp "$d/pnpm-lock.yaml" "$out/pnpm-lock.v$p.yaml" || echo "pnpm $p failed" >&2
done
echo "done: $(du -sh "$out" | cut -f1)"
