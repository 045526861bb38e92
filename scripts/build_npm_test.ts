import {
  assertEquals,
  assertFalse,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
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
  const root = await Deno.makeTempDir({ prefix: "build_npm_test." });
  try {
    await Deno.writeTextFile(
      join(root, "mod.ts"),
      'export const answer: number = "42";\n',
    );
    const outDir = join(root, "out");

    const error = assertThrows(
      () => compile(root, ["./mod.ts"], "esm", outDir),
      BuildError,
      "TypeScript reported 1 error(s) compiling esm/",
    );
    assertStringIncludes(error.message, "TS2322");
    assertFalse(exists(outDir));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("buildNpm() fails before touching the package folder when deno.json lacks a field", async () => {
  const root = await Deno.makeTempDir({ prefix: "build_npm_test." });
  try {
    await Deno.writeTextFile(
      join(root, "deno.json"),
      JSON.stringify(without("version")),
    );
    const outDir = join(root, "npm");
    await Deno.mkdir(outDir);
    await Deno.writeTextFile(join(outDir, "package.json"), "{}");

    await assertRejects(
      () => buildNpm(root, outDir),
      BuildError,
      'deno.json has no "version"',
    );
    assertEquals(await Deno.readTextFile(join(outDir, "package.json")), "{}");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("buildNpm() leaves no half-built package when only the CommonJS build fails", async () => {
  const root = await Deno.makeTempDir({ prefix: "build_npm_test." });
  try {
    await Deno.writeTextFile(
      join(root, "deno.json"),
      JSON.stringify(DENO_JSON),
    );
    // Top-level await compiles as an ES module, not as CommonJS.
    await Deno.writeTextFile(
      join(root, "mod.ts"),
      "export const answer = await Promise.resolve(42);\n",
    );
    const outDir = join(root, "npm");

    await assertRejects(
      () => buildNpm(root, outDir),
      BuildError,
      "TypeScript reported 1 error(s) compiling script/",
    );
    assertFalse(exists(outDir));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
