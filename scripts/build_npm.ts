/**
 * Builds the npm package for Node, Bun and bundlers into `npm/`: ES modules in
 * `npm/esm/`, CommonJS in `npm/script/`, a `.d.ts` beside each `.js`,
 * `README.md`, `LICENSE`, and a `package.json` made from `deno.json`.
 *
 * Why not dnt, which lays out packages this way: dnt is published only on JSR,
 * and the machines this project is built and tested on reach npm but not JSR.
 * The TypeScript compiler from npm does the work instead: one program per
 * module kind, rooted at the modules `exports` names, so every module they
 * import is built and no list of files is kept here. `deno.json`'s
 * compilerOptions apply, so the declarations are what `deno check` sees.
 *
 * Run it with `deno task build:npm`; it exits with 1 and says why when a
 * `deno.json` field it needs is missing or the compiler reports an error.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "npm:typescript@5.9.3";
import { denoJson, entryPoints, npmName } from "./_entry_points.ts";

/** Where the package's source lives; deno.json has no field for it. */
const REPOSITORY = "https://github.com/signalry/signalry";
/** `Symbol.dispose`, which `Connection` implements, is in Node from 20.4. */
const ENGINES = { node: ">=20.4" };
const KEYWORDS = [
  "signal",
  "signals",
  "dispatcher",
  "django",
  "py4j",
  "event",
  "emitter",
  "observer",
  "typed",
];

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "npm");

function fail(message: string): never {
  console.error(`build:npm: ${message}`);
  Deno.exit(1);
}

const config = denoJson();
for (const field of ["name", "version", "description", "license"]) {
  if (typeof config[field] !== "string") {
    fail(`deno.json has no "${field}" string for package.json`);
  }
}
const name = npmName(config);
const entries = (() => {
  try {
    return entryPoints(config);
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const main = entries[0]!.source;
const subpaths = entries.filter(({ subpath }) => subpath !== ".");

/** The built files of `./mod.ts` in `folder`: `./esm/mod.d.ts`, `./esm/mod.js`. */
function built(folder: "esm" | "script", source: string) {
  const path = `./${folder}/${source.replace(/^\.\/|\.ts$/g, "")}`;
  return { types: `${path}.d.ts`, default: `${path}.js` };
}

function compile(kind: "esm" | "script"): void {
  // A tsconfig.json in all but name: deno.json's options plus the build's.
  const { options, errors } = ts.convertCompilerOptionsFromJson({
    ...config.compilerOptions as Record<string, unknown>,
    target: "es2022",
    // DOM for AbortSignal; the disposable lib for Symbol.dispose.
    lib: ["es2022", "esnext.disposable", "dom"],
    types: [],
    module: kind === "esm" ? "esnext" : "commonjs",
    moduleResolution: kind === "esm" ? "bundler" : "node10",
    // Deno sets parameter properties before running field initializers;
    // ES2022 class fields would run the initializers first. No initializer
    // in the sources reads a parameter property (the one that did, in
    // _abort.ts's AbortGroup, became a constructor assignment), and this
    // keeps the build's order the same as Deno's should one ever do so.
    useDefineForClassFields: false,
    // Sources import "./signal.ts"; the built files import "./signal.js".
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    declaration: true,
    rootDir: ".",
    outDir: `npm/${kind}`,
    noEmitOnError: true,
    newLine: "lf",
  }, root);
  const rootNames = entries.map(({ source }) => join(root, source));
  const program = ts.createProgram(rootNames, options);
  const emitted = program.emit();
  const diagnostics = ts.sortAndDeduplicateDiagnostics([
    ...errors,
    ...ts.getPreEmitDiagnostics(program),
    ...emitted.diagnostics,
  ]);
  if (diagnostics.length > 0 || emitted.emitSkipped) {
    const host = ts.createCompilerHost(options);
    fail(
      `TypeScript could not build ${kind}/:\n${
        ts.formatDiagnosticsWithColorAndContext(diagnostics, host)
      }`,
    );
  }
}

function writeJson(path: string, value: unknown): void {
  Deno.writeTextFileSync(
    join(outDir, path),
    `${JSON.stringify(value, null, 2)}\n`,
  );
}

await Deno.remove(outDir, { recursive: true }).catch(() => {});
compile("esm");
compile("script");
// Each folder tells Node how to read its .js and .d.ts files.
writeJson("esm/package.json", { type: "module" });
writeJson("script/package.json", { type: "commonjs" });
writeJson("package.json", {
  name,
  version: config.version,
  description: config.description,
  keywords: KEYWORDS,
  homepage: `${REPOSITORY}#readme`,
  repository: { type: "git", url: `git+${REPOSITORY}.git` },
  bugs: { url: `${REPOSITORY}/issues` },
  license: config.license,
  type: "module",
  // For tools that predate "exports" (TypeScript's node10 resolution, old bundlers).
  main: built("script", main).default,
  module: built("esm", main).default,
  types: built("script", main).types,
  // "types" first in each branch, so require() gets the CommonJS declarations.
  exports: Object.fromEntries(
    entries.map(({ subpath, source }) => [
      subpath,
      { import: built("esm", source), require: built("script", source) },
    ]),
  ),
  // TypeScript's node10 resolution ignores "exports": this maps each other
  // entry point ("signalry/relay") to its declarations there.
  ...subpaths.length > 0 && {
    typesVersions: {
      "*": Object.fromEntries(
        subpaths.map(({ subpath, source }) => [
          subpath.slice(2),
          [built("script", source).types],
        ]),
      ),
    },
  },
  files: ["esm/", "script/"],
  sideEffects: false,
  engines: ENGINES,
});
for (const file of ["README.md", "LICENSE"]) {
  Deno.copyFileSync(join(root, file), join(outDir, file));
}
console.error(`build:npm: wrote ${name}@${config.version} to npm/`);
