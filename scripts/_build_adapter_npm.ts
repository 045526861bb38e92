/**
 * Builds the npm package of an adapter folder (`redis/`, `postgres/`,
 * `nats/`) into its `npm/`: ES modules with a `.d.ts` beside each `.js`,
 * `README.md`, `LICENSE`, and a `package.json` made from the folder's
 * `deno.json`. Each folder's `scripts/build_npm.ts` calls it with what
 * differs: its keywords and its runtime dependencies.
 *
 * ES modules only: Node 20.19 and later `require()` an ES module graph, and
 * devalue, the one dependency any adapter has, is ES-module only. The
 * TypeScript compiler from npm does the work, as for the core package
 * (`scripts/build_npm.ts`); dependencies are installed into
 * `npm/node_modules` first so that it can resolve them (npm never packs
 * `node_modules`). An adapter never depends on the user's client library:
 * imports in `deno.json` that are not `dependencies` (a client for the
 * tests, say) stay out of `package.json`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "npm:typescript@5.9.3";

const REPOSITORY = "https://github.com/signalry/signalry";
/** require(esm) without a flag, and Symbol.asyncDispose's polyfill-free use. */
const ENGINES = { node: ">=20.19" };

/** What differs between the adapters' packages. */
export interface AdapterPackage {
  /** npm keywords. */
  readonly keywords: readonly string[];
  /** The npm imports of `deno.json` the package needs at run time, by name. */
  readonly dependencies?: readonly string[];
}

function fail(message: string): never {
  console.error(`build:npm: ${message}`);
  Deno.exit(1);
}

/** Builds the package of the adapter folder `folderUrl` into its `npm/`. */
export async function buildAdapterNpm(
  folderUrl: URL,
  { keywords, dependencies: names = [] }: AdapterPackage,
): Promise<void> {
  const root = fileURLToPath(folderUrl);
  const folder = root.replace(/[/\\]+$/, "").replace(/^.*[/\\]/, "");
  const outDir = join(root, "npm");
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  const rootConfig = JSON.parse(
    Deno.readTextFileSync(join(root, "..", "deno.json")),
  );
  for (const field of ["name", "version", "description", "license"]) {
    if (typeof config[field] !== "string") {
      fail(`deno.json has no "${field}" string for package.json`);
    }
  }
  if (typeof config.exports !== "string") {
    fail('deno.json has no "exports" string for package.json');
  }

  /** `"npm:devalue@^6.0.3"` → `["devalue", "^6.0.3"]`, for each dependency. */
  const dependencies = Object.fromEntries(names.map((name) => {
    const match = /^npm:((?:@[^/]+\/)?[^@/]+)@([^/]+)$/.exec(
      String(config.imports?.[name]),
    );
    if (match === null || match[1] !== name) {
      fail(`deno.json has no "npm:${name}@version" import for package.json`);
    }
    return [name, match[2]!];
  }));

  const writeJson = (path: string, value: unknown) =>
    Deno.writeTextFileSync(
      join(outDir, path),
      `${JSON.stringify(value, null, 2)}\n`,
    );
  const main = `./esm/${config.exports.replace(/^\.\/|\.ts$/g, "")}`;

  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  Deno.mkdirSync(outDir, { recursive: true });
  writeJson("package.json", {
    name: config.name,
    version: config.version,
    description: config.description,
    keywords,
    homepage: `${REPOSITORY}/tree/main/${folder}#readme`,
    repository: {
      type: "git",
      url: `git+${REPOSITORY}.git`,
      directory: folder,
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
    ...(names.length > 0 ? { dependencies } : {}),
  });

  if (names.length > 0) {
    // The compiler resolves the dependencies from npm/node_modules.
    const install = await new Deno.Command("npm", {
      args: [
        "install",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
      ],
      cwd: outDir,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!install.success) fail("npm install of the dependencies failed");
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
      names.map((name) => [name, [`npm/node_modules/${name}`]]),
    ),
    // devalue's own .d.ts names Float16Array, which lib es2022 lacks.
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
    `build:npm: wrote ${config.name}@${config.version} to ${folder}/npm/`,
  );
}
