/**
 * Builds the npm package for Node and Bun into `npm/`, laid out as dnt lays
 * it out, so that switching to dnt later changes nothing for users: ES
 * modules in `npm/esm/`, CommonJS in `npm/script/`, a `.d.ts` beside each
 * file, `README.md` and `LICENSE`, and a `package.json` generated from
 * `deno.json`. Only what the exports of `deno.json` reach is built.
 *
 * Run it with `deno task build:npm`. It exits with 1 and says what is wrong
 * when `deno.json` lacks a field it needs or the TypeScript compiler reports
 * an error.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "npm:typescript@5.9.3";

/** Where the package's source lives; deno.json has no field for it. */
const REPOSITORY = "https://github.com/signalry/signalry";
/** The oldest Node.js the package supports and is tested on. */
const NODE_ENGINES = ">=20";
/** Copied into the package as they are. */
const COPIED_FILES = ["README.md", "LICENSE"];
/** Node 20 runs ES2022 natively, so `#private` fields and class fields stay as written. */
const TARGET = ts.ScriptTarget.ES2022;
/** `Symbol.dispose` needs the disposable lib; `DOM` gives `AbortSignal` and friends. */
const LIB = ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"];

/** A problem with the build's input, told as a sentence for the maintainer. */
export class BuildError extends Error {
  override name = "BuildError";
}

/** One entry of the package's `exports`: its subpath and the module it builds from. */
export interface EntryPoint {
  /** `"."` or `"./name"`, as in `deno.json` and `package.json` exports. */
  readonly subpath: string;
  /** The source module, relative to the project root, e.g. `./mod.ts`. */
  readonly source: string;
}

/** What the npm package takes from `deno.json`, checked. */
export interface PackageSource {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license: string;
  readonly entryPoints: readonly EntryPoint[];
  /** `deno.json` compilerOptions, applied to the npm build's type check too. */
  readonly compilerOptions: Record<string, unknown>;
}

// `deno.json` spells the package `@scope/name`; npm gets the bare name.
const JSR_NAME = /^@[a-z0-9-]+\/([a-z0-9][a-z0-9-]*)$/;
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requiredString(
  config: Record<string, unknown>,
  field: string,
): string {
  const value = config[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw new BuildError(
      `Cannot build the npm package: deno.json has no "${field}" string for package.json`,
    );
  }
  return value;
}

function entryPointsOf(exports: unknown): EntryPoint[] {
  const map = typeof exports === "string" ? { ".": exports } : exports;
  if (!isRecord(map) || Object.keys(map).length === 0) {
    throw new BuildError(
      'Cannot build the npm package: deno.json has no "exports", which names the modules to build',
    );
  }
  return Object.entries(map).map(([subpath, source]) => {
    if (typeof source !== "string" || !/^\.\/.+\.ts$/.test(source)) {
      throw new BuildError(
        `Cannot build the npm package: deno.json "exports" entry "${subpath}" is not a "./….ts" path`,
      );
    }
    return { subpath, source };
  });
}

/**
 * Reads what the npm package needs from a parsed `deno.json`.
 *
 * @param config The parsed `deno.json`.
 * @returns The checked name, version, description, license, entry points and
 * compiler options.
 * @throws {BuildError} If a field is missing or malformed, naming it.
 */
export function readDenoConfig(config: unknown): PackageSource {
  if (!isRecord(config)) {
    throw new BuildError(
      "Cannot build the npm package: deno.json is not a JSON object",
    );
  }
  const jsrName = requiredString(config, "name");
  const name = JSR_NAME.exec(jsrName)?.[1];
  if (name === undefined) {
    throw new BuildError(
      `Cannot build the npm package: deno.json "name" ${
        JSON.stringify(jsrName)
      } is not "@scope/name", from which the npm name is taken`,
    );
  }
  const version = requiredString(config, "version");
  if (!SEMVER.test(version)) {
    throw new BuildError(
      `Cannot build the npm package: deno.json "version" ${
        JSON.stringify(version)
      } is not a semantic version`,
    );
  }
  const compilerOptions = config.compilerOptions ?? {};
  if (!isRecord(compilerOptions)) {
    throw new BuildError(
      'Cannot build the npm package: deno.json "compilerOptions" is not an object',
    );
  }
  return {
    name,
    version,
    description: requiredString(config, "description"),
    license: requiredString(config, "license"),
    entryPoints: entryPointsOf(config.exports),
    compilerOptions,
  };
}

/** The built file for `source` in one module kind: `./mod.ts` → `./esm/mod.js`. */
function builtPath(
  folder: "esm" | "script",
  source: string,
  extension: ".js" | ".d.ts",
): string {
  return `./${folder}/${source.slice(2, -".ts".length)}${extension}`;
}

/**
 * The `package.json` of the npm package: dnt's layout, with the `types`
 * condition first in each branch so that CommonJS users get the
 * declarations in `script/`, which TypeScript reads as CommonJS.
 *
 * @param source What `deno.json` gave, from {@linkcode readDenoConfig}.
 * @returns The package.json object, in the order npm shows fields.
 */
export function packageJsonOf(source: PackageSource): Record<string, unknown> {
  const exports = Object.fromEntries(
    source.entryPoints.map(({ subpath, source: file }) => [subpath, {
      import: {
        types: builtPath("esm", file, ".d.ts"),
        default: builtPath("esm", file, ".js"),
      },
      require: {
        types: builtPath("script", file, ".d.ts"),
        default: builtPath("script", file, ".js"),
      },
    }]),
  );
  const main = source.entryPoints.find(({ subpath }) => subpath === ".");
  return {
    name: source.name,
    version: source.version,
    description: source.description,
    homepage: `${REPOSITORY}#readme`,
    repository: { type: "git", url: `git+${REPOSITORY}.git` },
    bugs: { url: `${REPOSITORY}/issues` },
    license: source.license,
    type: "module",
    // For tools that predate "exports" (TypeScript's node10 resolution, old bundlers).
    ...(main === undefined ? {} : {
      main: builtPath("script", main.source, ".js"),
      module: builtPath("esm", main.source, ".js"),
      types: builtPath("script", main.source, ".d.ts"),
    }),
    exports,
    files: ["esm/", "script/"],
    sideEffects: false,
    engines: { node: NODE_ENGINES },
  };
}

/** Whether `specifier` names a sibling TypeScript module, e.g. `./signal.ts`. */
function isRelativeTs(specifier: string): boolean {
  return /^\.\.?\//.test(specifier) && /\.[mc]?tsx?$/.test(specifier) &&
    !specifier.endsWith(".d.ts");
}

function withJsExtension(specifier: string): string {
  return specifier.replace(
    /\.([mc]?)tsx?$/,
    (_, kind: string) => `.${kind}js`,
  );
}

/**
 * Rewrites `./x.ts` to `./x.js` in declaration files, which
 * `rewriteRelativeImportExtensions` leaves alone: TypeScript before 5.0
 * rejects `.ts` specifiers there.
 */
function rewriteDeclarationSpecifiers(
  context: ts.TransformationContext,
): (node: ts.SourceFile | ts.Bundle) => ts.SourceFile | ts.Bundle {
  const { factory } = context;
  const rewritten = (literal: ts.Expression | undefined) =>
    literal !== undefined && ts.isStringLiteral(literal) &&
      isRelativeTs(literal.text)
      ? factory.createStringLiteral(withJsExtension(literal.text))
      : undefined;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      const specifier = rewritten(node.moduleSpecifier);
      if (specifier !== undefined) {
        return factory.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          specifier,
          node.attributes,
        );
      }
    } else if (ts.isExportDeclaration(node)) {
      const specifier = rewritten(node.moduleSpecifier);
      if (specifier !== undefined) {
        return factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          specifier,
          node.attributes,
        );
      }
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
    ) {
      const specifier = rewritten(node.argument.literal);
      if (specifier !== undefined) {
        return factory.updateImportTypeNode(
          node,
          factory.updateLiteralTypeNode(node.argument, specifier),
          node.attributes,
          node.qualifier,
          node.typeArguments,
          node.isTypeOf,
        );
      }
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (node) =>
    ts.isSourceFile(node) ? ts.visitEachChild(node, visit, context) : node;
}

function formatDiagnostics(
  diagnostics: readonly ts.Diagnostic[],
  root: string,
): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}

/**
 * Compiles the entry points and every module they import into `outDir`, as
 * ES modules or as CommonJS, with a `.d.ts` beside each `.js`. Relative
 * `.ts` specifiers become `.js`.
 *
 * @param root The project root; output paths mirror paths below it.
 * @param entryPoints Source files, relative to `root`.
 * @param kind `"esm"` for ES modules, `"script"` for CommonJS.
 * @param outDir Where the `.js` and `.d.ts` files go.
 * @param compilerOptions `deno.json` compilerOptions, e.g. `strict`.
 * @throws {BuildError} If the compiler reports an error; nothing is written then.
 */
export function compile(
  root: string,
  entryPoints: readonly string[],
  kind: "esm" | "script",
  outDir: string,
  compilerOptions: Record<string, unknown> = {},
): void {
  const fromConfig = ts.convertCompilerOptionsFromJson(compilerOptions, root);
  if (fromConfig.errors.length > 0) {
    throw new BuildError(
      `Cannot build the npm package: deno.json "compilerOptions" are not valid for TypeScript:\n${
        formatDiagnostics(fromConfig.errors, root)
      }`,
    );
  }
  const options: ts.CompilerOptions = {
    ...fromConfig.options,
    target: TARGET,
    lib: LIB,
    types: [],
    ...(kind === "esm"
      ? {
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
      }
      : {
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
      }),
    rewriteRelativeImportExtensions: true,
    allowImportingTsExtensions: true,
    isolatedModules: true,
    useDefineForClassFields: true,
    declaration: true,
    rootDir: root,
    outDir,
    noEmitOnError: true,
    skipLibCheck: true,
    newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram({
    rootNames: entryPoints.map((entryPoint) => resolve(root, entryPoint)),
    options,
  });
  const emitted = program.emit(undefined, undefined, undefined, false, {
    afterDeclarations: [rewriteDeclarationSpecifiers],
  });
  const diagnostics = ts.sortAndDeduplicateDiagnostics([
    ...ts.getPreEmitDiagnostics(program),
    ...emitted.diagnostics,
  ]);
  if (diagnostics.length > 0 || emitted.emitSkipped) {
    throw new BuildError(
      `Cannot build the npm package: TypeScript reported ${diagnostics.length} error(s) compiling ${kind}/:\n${
        formatDiagnostics(diagnostics, root)
      }`,
    );
  }
}

/**
 * Builds the npm package from the project at `root` into `outDir`, which is
 * emptied first.
 *
 * @param root The project root, holding `deno.json`.
 * @param outDir The package folder to write, usually `<root>/npm`.
 * @returns The generated package.json object.
 * @throws {BuildError} If `deno.json` lacks a field or the compiler reports an error.
 */
export async function buildNpm(
  root: string,
  outDir: string,
): Promise<Record<string, unknown>> {
  const configPath = join(root, "deno.json");
  let config: unknown;
  try {
    config = JSON.parse(await Deno.readTextFile(configPath));
  } catch (error) {
    throw new BuildError(
      `Cannot build the npm package: ${configPath} could not be read as JSON (${error})`,
    );
  }
  const source = readDenoConfig(config);
  const packageJson = packageJsonOf(source);
  const entryPoints = source.entryPoints.map((entry) => entry.source);

  await removeIfThere(outDir);
  try {
    for (const kind of ["esm", "script"] as const) {
      compile(
        root,
        entryPoints,
        kind,
        join(outDir, kind),
        source.compilerOptions,
      );
    }
  } catch (error) {
    // No half-built package that `npm publish ./npm` could pick up.
    await removeIfThere(outDir);
    throw error;
  }
  // Each folder says how Node should read its .js and .d.ts, as dnt writes it.
  writeJson(join(outDir, "esm", "package.json"), { type: "module" });
  writeJson(join(outDir, "script", "package.json"), { type: "commonjs" });
  writeJson(join(outDir, "package.json"), packageJson);
  for (const file of COPIED_FILES) {
    await Deno.copyFile(join(root, file), join(outDir, file));
  }
  return packageJson;
}

async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

function writeJson(path: string, value: unknown): void {
  Deno.mkdirSync(dirname(path), { recursive: true });
  Deno.writeTextFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const outDir = join(root, "npm");
  try {
    const { name, version } = await buildNpm(root, outDir);
    console.error(
      `build:npm: wrote ${name}@${version} to ${
        relative(Deno.cwd(), outDir) || "."
      }`,
    );
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    console.error(`build:npm: ${error.message}`);
    Deno.exit(1);
  }
}
