#!/usr/bin/env bash
# Builds the npm package and tests it where users run it: packs npm/, installs
# the tarball into an empty project as a user would, and runs the suite in
# npm_test/ against it with Node (`import` and `require`) and Bun. publint and
# arethetypeswrong check package.json and the types each condition resolves.
# Run it with `deno task test:npm`; CI runs it from .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

BUN_VERSION=1.3.14
PUBLINT_VERSION=0.3.25
ATTW_VERSION=0.18.5

if ! command -v bun >/dev/null 2>&1; then
  echo "--- installing bun@${BUN_VERSION} from npm"
  npm install -g "bun@${BUN_VERSION}" >/dev/null
fi

echo "--- deno task build:npm"
deno task build:npm

echo "--- publint"
npx -y "publint@${PUBLINT_VERSION}" --strict npm
echo "--- arethetypeswrong"
npx -y "@arethetypeswrong/cli@${ATTW_VERSION}" --pack npm

project="$(mktemp -d -t signalry_npm_test.XXXXXX)"
trap 'rm -rf -- "$project"' EXIT

echo "--- npm pack: only the built modules, their types, README, LICENSE and package.json"
(cd npm && npm pack --json --pack-destination "$project") >"$project/pack.json"
node -e '
  const [{ filename, files }] = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const needed = /^(LICENSE|README\.md|package\.json|(esm|script)\/[\w.]+\.(js|d\.ts|json))$/;
  const extra = files.map((file) => file.path).filter((path) => !needed.test(path));
  if (extra.length > 0) {
    console.error(`${filename} holds files users do not need: ${extra.join(", ")}`);
    process.exit(1);
  }
  console.log(`${filename}: ${files.length} files`);
' "$project/pack.json"

echo '{ "private": true }' >"$project/package.json"
(cd "$project" && npm install --no-audit --no-fund --no-package-lock --silent ./signalry-*.tgz)
cp npm_test/*.test.mjs npm_test/*.test.cjs "$project/"

echo "--- node $(node --version): node --test"
(cd "$project" && node --expose-gc --test --test-reporter=spec signal.test.mjs require.test.cjs)
echo "--- bun $(bun --version): bun test"
(cd "$project" && bun test ./signal.test.mjs ./require.test.cjs)
