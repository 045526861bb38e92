/**
 * Builds the npm package `@signalry/postgres` into `postgres/npm/`: ES modules with
 * a `.d.ts` beside each `.js`, `README.md`, `LICENSE`, and a `package.json`
 * made from this folder's `deno.json`, whose `npm:` imports become its
 * `dependencies`.
 *
 * ES modules only, as `@signalry/redis`. It has no dependencies: the user's
 * `pg` is never one. The TypeScript compiler from npm does the work, as for
 * the core package (`scripts/build_npm.ts`).
 *
 * Run it with `deno task build:npm` in `postgres/`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "npm:typescript@5.9.3";

const REPOSITORY = "https://github.com/signalry/signalry";
/** require(esm) without a flag, and Symbol.asyncDispose's polyfill-free use. */
const ENGINES = { node: ">=20.19" };
const KEYWORDS = [
  "signal",
  "signals",
  "postgres",
  "postgresql",
  "listen",
  "notify",
  "pg",
  "relay",
];

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "npm");

function fail(message: string): never {
  console.error(`build:npm: ${message}`);
  Deno.exit(1);
}

const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
const rootConfig = JSON.parse(
  Deno.readTextFileSync(join(root, "..", "deno.json")),
);
for (const field of ["name", "version", "description", "license", "exports"]) {
  if (typeof config[field] !== "string") {
    fail(`deno.json has no "${field}" string for package.json`);
  }
}

/** `"npm:devalue@^6.0.3"` → `["devalue", "^6.0.3"]`, for each import. */
const dependencies = Object.fromEntries(
  Object.values(config.imports ?? {}).flatMap((target) => {
    const match = /^npm:((?:@[^/]+\/)?[^@/]+)@([^/]+)$/.exec(String(target));
    return match ? [[match[1], match[2]]] : [];
  }),
);

function writeJson(path: string, value: unknown): void {
  Deno.writeTextFileSync(
    join(outDir, path),
    `${JSON.stringify(value, null, 2)}\n`,
  );
}

const main = `./esm/${(config.exports as string).replace(/^\.\/|\.ts$/g, "")}`;

await Deno.remove(outDir, { recursive: true }).catch(() => {});
Deno.mkdirSync(outDir, { recursive: true });
writeJson("package.json", {
  name: config.name,
  version: config.version,
  description: config.description,
  keywords: KEYWORDS,
  homepage: `${REPOSITORY}/tree/main/postgres#readme`,
  repository: {
    type: "git",
    url: `git+${REPOSITORY}.git`,
    directory: "postgres",
  },
  bugs: { url: `${REPOSITORY}/issues` },
  license: config.license,
  type: "module",
  module: `${main}.js`,
  types: `${main}.d.ts`,
  exports: { ".": { types: `${main}.d.ts`, default: `${main}.js` } },
  files: ["esm/"],
  sideEffects: false,
  engines: ENGINES,
  dependencies,
});

if (Object.keys(dependencies).length > 0) {
  fail(
    "deno.json has npm imports: install them before compiling, as redis/ does",
  );
}

const { options, errors } = ts.convertCompilerOptionsFromJson({
  ...rootConfig.compilerOptions,
  target: "es2022",
  lib: ["es2022", "esnext.disposable", "dom"],
  types: [],
  module: "esnext",
  moduleResolution: "bundler",
  useDefineForClassFields: false,
  allowImportingTsExtensions: true,
  rewriteRelativeImportExtensions: true,
  declaration: true,
  rootDir: ".",
  outDir: "npm/esm",
  baseUrl: ".",
  paths: Object.fromEntries(
    Object.keys(dependencies).map((
      name,
    ) => [name, [`npm/node_modules/${name}`]]),
  ),
  skipLibCheck: true,
  noEmitOnError: true,
  newLine: "lf",
}, root);
const program = ts.createProgram([join(root, config.exports)], options);
const emitted = program.emit();
const diagnostics = ts.sortAndDeduplicateDiagnostics([
  ...errors,
  ...ts.getPreEmitDiagnostics(program),
  ...emitted.diagnostics,
]);
if (diagnostics.length > 0 || emitted.emitSkipped) {
  fail(
    `TypeScript could not build esm/:\n${
      ts.formatDiagnosticsWithColorAndContext(
        diagnostics,
        ts.createCompilerHost(options),
      )
    }`,
  );
}
writeJson("esm/package.json", { type: "module" });
for (const file of ["README.md", "LICENSE"]) {
  Deno.copyFileSync(join(root, file), join(outDir, file));
}
console.error(
  `build:npm: wrote ${config.name}@${config.version} to postgres/npm/`,
);
