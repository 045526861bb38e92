import {
  assertEquals,
  assertFalse,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { dirname, join } from "node:path";
import {
  BuildError,
  buildNpm,
  compile,
  packageJsonOf,
  readDenoConfig,
} from "./build_npm.ts";

const DENO_JSON = {
  name: "@signalry/signalry",
  version: "1.2.3",
  description: "Signals",
  license: "MIT",
  exports: "./mod.ts",
};

function without(field: string): Record<string, unknown> {
  const config: Record<string, unknown> = { ...DENO_JSON };
  delete config[field];
  return config;
}

/** A temporary project folder holding `files`, removed when disposed. */
async function tempProject(
  files: Record<string, string>,
): Promise<{ root: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "build_npm_test." });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(root, path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return {
    root,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("readDenoConfig() takes the npm name from the package part of the JSR name", () => {
  const source = readDenoConfig(DENO_JSON);

  assertEquals(source.name, "signalry");
  assertEquals(source.version, "1.2.3");
  assertEquals(source.entryPoints, [{ subpath: ".", source: "./mod.ts" }]);
});

Deno.test("readDenoConfig() names the field deno.json lacks", () => {
  for (const field of ["name", "version", "description", "license"]) {
    assertThrows(
      () => readDenoConfig(without(field)),
      BuildError,
      `deno.json has no "${field}" string for package.json`,
    );
  }
  assertThrows(
    () => readDenoConfig(without("exports")),
    BuildError,
    'deno.json has no "exports"',
  );
});

Deno.test("readDenoConfig() rejects a malformed name, version or export", () => {
  assertThrows(
    () => readDenoConfig({ ...DENO_JSON, name: "signalry" }),
    BuildError,
    'is not "@scope/name"',
  );
  assertThrows(
    () => readDenoConfig({ ...DENO_JSON, version: "1.2" }),
    BuildError,
    "is not a semantic version",
  );
  assertThrows(
    () => readDenoConfig({ ...DENO_JSON, exports: { ".": "./mod.js" } }),
    BuildError,
    'entry "." is not a "./….ts" path',
  );
});

Deno.test("packageJsonOf() gives import and require their own types, with no dependencies", () => {
  const packageJson = packageJsonOf(readDenoConfig(DENO_JSON));

  assertEquals(packageJson.exports, {
    ".": {
      import: { types: "./esm/mod.d.ts", default: "./esm/mod.js" },
      require: { types: "./script/mod.d.ts", default: "./script/mod.js" },
    },
  });
  assertEquals(packageJson.type, "module");
  assertEquals(packageJson.sideEffects, false);
  assertEquals(packageJson.engines, { node: ">=20" });
  assertFalse("dependencies" in packageJson);
});

Deno.test("compile() throws the compiler's error and writes nothing", async () => {
  await using project = await tempProject({
    "mod.ts": 'export const answer: number = "42";\n',
  });
  const outDir = join(project.root, "out");

  const error = assertThrows(
    () => compile(project.root, ["./mod.ts"], "esm", outDir),
    BuildError,
    "TypeScript reported 1 error(s) compiling esm/",
  );
  assertStringIncludes(error.message, "TS2322");
  assertFalse(exists(outDir));
});

Deno.test("buildNpm() fails before touching the package folder when deno.json lacks a field", async () => {
  await using project = await tempProject({
    "deno.json": JSON.stringify(without("version")),
    "npm/package.json": "{}",
  });
  const outDir = join(project.root, "npm");

  await assertRejects(
    () => buildNpm(project.root, outDir),
    BuildError,
    'deno.json has no "version"',
  );
  assertEquals(await Deno.readTextFile(join(outDir, "package.json")), "{}");
});

Deno.test("buildNpm() leaves no half-built package when only the CommonJS build fails", async () => {
  await using project = await tempProject({
    "deno.json": JSON.stringify(DENO_JSON),
    // Top-level await compiles as an ES module, not as CommonJS.
    "mod.ts": "export const answer = await Promise.resolve(42);\n",
  });
  const outDir = join(project.root, "npm");

  await assertRejects(
    () => buildNpm(project.root, outDir),
    BuildError,
    "TypeScript reported 1 error(s) compiling script/",
  );
  assertFalse(exists(outDir));
});
