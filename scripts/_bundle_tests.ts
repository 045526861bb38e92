/**
 * Bundles each `*_test.ts` file into one ES module that Node and Bun run as it
 * is, behind the `Deno` shim in `npm_test/deno_shim.ts`.
 *
 * Every import resolves as it does in the Deno run, because Deno resolves it:
 * `deno info --json` gives each file's module graph, through `deno.json`'s
 * imports, or through the offline std stand-in's import map when
 * `../shared/std_offline` sits beside the checkout (as `deno task test` does).
 * So `@std/assert` and `@std/testing/mock` are the real std from JSR, or the
 * stand-in, and are bundled in. Each module `deno.json` exports becomes the
 * installed npm package (`./mod.ts` is the external `signalry`, `./relay.ts`
 * would be `signalry/relay`), and `npm:` packages stay external too, to be
 * installed beside it at the version the graph names.
 *
 * @module
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Loader, type Plugin } from "esbuild";
import { CommandError, output, ROOT } from "./_npm_project.ts";
import { entryPoints } from "./_entry_points.ts";

const STD_OFFLINE = join(ROOT, "..", "shared", "std_offline");
/** Each exported module's URL, and what a user of the npm package imports for it. */
const PACKAGE_IMPORTS = new Map(
  entryPoints().map(({ url, npmSpecifier }) => [url, npmSpecifier]),
);
/** A folder with one of these is a package of its own, with its own tests. */
const MANIFESTS = ["deno.json", "deno.jsonc", "package.json"];
const SHIM = join(ROOT, "npm_test", "deno_shim.ts");
const LOADERS: Record<string, Loader> = {
  TypeScript: "ts",
  Mts: "ts",
  TSX: "tsx",
  JavaScript: "js",
  Mjs: "js",
  JSX: "jsx",
  Json: "json",
};

interface DenoModule {
  specifier: string;
  local?: string;
  mediaType?: string;
  error?: string;
  dependencies?: { specifier: string; code?: { specifier: string } }[];
}

interface DenoGraph {
  modules: DenoModule[];
  redirects: Record<string, string>;
  npmPackages: Record<string, { name: string; version: string }>;
}

/** Whether `dir` (relative to the root) has a `deno.json` or `package.json` of its own. */
function isPackage(dir: string): boolean {
  return MANIFESTS.some((manifest) => {
    try {
      return Deno.statSync(join(ROOT, dir, manifest)).isFile;
    } catch {
      return false;
    }
  });
}

/**
 * The test files: every `*_test.ts` under the root, as paths relative to it.
 * The walk skips hidden folders, `node_modules`, and every folder that is a
 * package of its own (an adapter such as `redis/`, `npm/`, `npm_test/`,
 * `bench/node/`), whose tests are not this package's.
 */
export function testFiles(dir = ""): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, dir))) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isFile && entry.name.endsWith("_test.ts")) found.push(path);
    if (
      entry.isDirectory && !entry.name.startsWith(".") &&
      entry.name !== "node_modules" && !isPackage(path)
    ) {
      found.push(...testFiles(path));
    }
  }
  return found.sort();
}

async function importMapArgs(): Promise<string[]> {
  try {
    Deno.statSync(join(STD_OFFLINE, "make_import_map.ts"));
  } catch {
    return [];
  }
  const dir = await Deno.makeTempDir({ prefix: "signalry_map." });
  const map = join(dir, "import_map.json");
  // The stand-in's own map maker, as its deno-test wrapper runs it.
  await output(Deno.execPath(), [
    "run",
    "--quiet",
    "--no-config",
    "--no-lock",
    "--no-npm",
    "--no-remote",
    "--allow-read",
    `--allow-write=${dir}`,
    "make_import_map.ts",
    join(ROOT, "deno.json"),
    map,
  ], STD_OFFLINE);
  return [`--import-map=${map}`];
}

/**
 * Deno's module graph of each test file, with the offline std stand-in's
 * import map when `../shared/std_offline` is there. Says which std it used, as
 * `deno task test` does.
 *
 * @throws {CommandError} If Deno cannot resolve or load a module.
 */
export async function moduleGraphs(
  files: readonly string[],
): Promise<DenoGraph[]> {
  const mapArgs = await importMapArgs();
  console.error(
    mapArgs.length > 0
      ? `signalry: bundling the tests with @std/assert and @std/testing/mock from the offline stand-in ${STD_OFFLINE}`
      : "signalry: bundling the tests with @std/assert and @std/testing from JSR",
  );
  return await Promise.all(files.map(async (file) => {
    const graph: DenoGraph = JSON.parse(
      await output(Deno.execPath(), ["info", "--json", ...mapArgs, file]),
    );
    const broken = graph.modules.filter((module) => module.error);
    if (broken.length > 0) {
      throw new CommandError(
        `Cannot bundle ${file}: ${broken.map((module) => module.error)}`,
      );
    }
    return graph;
  }));
}

/** The `name@version` of each npm package the graphs import. */
export function npmPackages(graphs: readonly DenoGraph[]): string[] {
  return [
    ...new Set(
      graphs.flatMap((graph) =>
        Object.values(graph.npmPackages).map(({ name, version }) =>
          `${name}@${version}`
        )
      ),
    ),
  ];
}

/** `npm:/fast-check@4.10.2/lib` → `fast-check/lib`. */
function npmImport(specifier: string): string {
  const [, name, subpath] = /^npm:\/?((?:@[^/]+\/)?[^@/]+)(?:@[^/]*)?(\/.*)?$/
    .exec(specifier)!;
  return `${name}${subpath ?? ""}`;
}

/** The specifiers of the package's own modules: what it exports and all they import. */
function packageModules(modules: Map<string, DenoModule>): Set<string> {
  const reached = new Set<string>();
  const visit = (specifier: string) => {
    if (reached.has(specifier)) return;
    reached.add(specifier);
    for (const { code } of modules.get(specifier)?.dependencies ?? []) {
      if (code !== undefined) visit(code.specifier);
    }
  };
  for (const url of PACKAGE_IMPORTS.keys()) visit(url);
  return reached;
}

/** Resolves and loads each module as Deno's graph says; see the module doc. */
function denoGraphPlugin(file: string, graph: DenoGraph): Plugin {
  const modules = new Map(
    graph.modules.map((module) => [module.specifier, module]),
  );
  const internal = packageModules(modules);
  const follow = (specifier: string): string =>
    graph.redirects[specifier] === undefined
      ? specifier
      : follow(graph.redirects[specifier]);
  return {
    name: "deno-graph",
    setup(build) {
      // The entry imports the test by its URL.
      build.onResolve({ filter: /^file:/ }, ({ path }) => ({
        path,
        namespace: "deno",
      }));
      build.onResolve(
        { filter: /.*/, namespace: "deno" },
        ({ path, importer }) => {
          const dependency = modules.get(importer)?.dependencies?.find((
            dependency,
          ) => dependency.specifier === path);
          const target = follow(dependency?.code?.specifier ?? path);
          const packageImport = PACKAGE_IMPORTS.get(target);
          if (packageImport !== undefined) {
            return { path: packageImport, external: true };
          }
          if (internal.has(target)) {
            throw new CommandError(
              `Cannot test ${file} against the npm package: ${importer} imports ${path}, which users reach only through the modules deno.json exports (${
                [...PACKAGE_IMPORTS.values()].join(", ")
              })`,
            );
          }
          if (target.startsWith("npm:")) {
            return { path: npmImport(target), external: true };
          }
          if (target.startsWith("node:")) {
            return { path: target, external: true };
          }
          return { path: target, namespace: "deno" };
        },
      );
      build.onLoad({ filter: /.*/, namespace: "deno" }, ({ path }) => {
        const module = modules.get(path);
        const loader = LOADERS[module?.mediaType ?? ""];
        if (module?.local === undefined || loader === undefined) {
          throw new CommandError(
            `Cannot bundle ${path}: Deno's graph gives no local file for it`,
          );
        }
        return { contents: Deno.readFileSync(module.local), loader };
      });
    },
  };
}

/**
 * The worker scripts the tests start, `testing/*_worker.ts`, relative to the
 * root; {@linkcode bundleTests} with {@linkcode WORKER_BUNDLES} writes each
 * beside the test bundles, where `npm_test/deno_shim.ts` finds it.
 */
export function workerFiles(): string[] {
  try {
    return [...Deno.readDirSync(join(ROOT, "testing"))]
      .filter(({ name, isFile }) => isFile && name.endsWith("_worker.ts"))
      .map(({ name }) => `testing/${name}`)
      .sort();
  } catch {
    return [];
  }
}

/** How to bundle the worker scripts: behind the worker shim, as `.mjs`. */
export const WORKER_BUNDLES = {
  shim: join(ROOT, "npm_test", "worker_shim.ts"),
  extension: ".mjs",
};

/**
 * Writes `<name>.test.mjs` into `outDir` for each test file: the shim, then
 * the test file and what it imports, `signalry` and npm packages external.
 *
 * @param files The test files, relative to the root.
 * @param graphs Their module graphs, from {@linkcode moduleGraphs}.
 * @param outDir The project that has `signalry` installed.
 * @param as Another shim and extension (the worker scripts').
 * @returns The paths of the bundles, relative to `outDir`.
 */
export async function bundleTests(
  files: readonly string[],
  graphs: readonly DenoGraph[],
  outDir: string,
  as: { shim: string; extension: string } = {
    shim: SHIM,
    extension: ".test.mjs",
  },
): Promise<string[]> {
  return await Promise.all(files.map(async (file, i) => {
    const bundle = file.replace(/\.ts$/, as.extension);
    await build({
      stdin: {
        contents: `import ${JSON.stringify(as.shim)};\nimport ${
          JSON.stringify(pathToFileURL(join(ROOT, file)).href)
        };\n`,
        resolveDir: ROOT,
        sourcefile: `${file} behind the Deno shim`,
      },
      bundle: true,
      outfile: join(outDir, bundle),
      format: "esm",
      platform: "node",
      // Node 20 has no `using`: esbuild lowers it, as a user's build would.
      target: "es2022",
      keepNames: true,
      sourcemap: "linked",
      logLevel: "warning",
      plugins: [denoGraphPlugin(file, graphs[i]!)],
    });
    return bundle;
  }));
}
