/**
 * Type-checks a user's modules (`npm_test/consumer.ts`, and any
 * `npm_test/*_consumer.ts`, such as one per entry point) against the packed
 * declarations (`deno task test:types`): with each TypeScript version
 * `npm_test/package.json` pins, strict, `exactOptionalPropertyTypes` on and
 * off, under `module: nodenext` and under `moduleResolution: bundler`, with
 * `@types/node` and with `dom` plus `esnext.disposable` as the globals.
 * With `dom`, `skipLibCheck` is off, so the package's `.d.ts` files are
 * checked too.
 *
 * @module
 */

import { join } from "node:path";
import {
  CommandError,
  main,
  output,
  packedProject,
  PINNED,
  ROOT,
} from "./_npm_project.ts";

/** The TypeScript versions: each `typescript-X.Y` alias `npm_test/package.json` pins. */
const TYPESCRIPTS = Object.keys(PINNED).filter((name) =>
  name.startsWith("typescript-")
);
/** What the matrix needs installed beside the package. */
export const TYPES_TOOLS = ["@types/node", ...TYPESCRIPTS];

const MODULES = {
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
};
// With dom, the package's .d.ts files are checked; with @types/node, whose
// own declarations are not ours to check and take most of tsc's time, not.
const GLOBALS = {
  "@types/node": { lib: ["es2022"], types: ["node"], skipLibCheck: true },
  "dom+esnext.disposable": {
    lib: ["es2022", "dom", "esnext.disposable"],
    types: [],
    skipLibCheck: false,
  },
};
/** tsc processes at once: the machines this runs on have 2 cores. */
const PARALLEL = 2;

/** `consumer.ts` and every `*_consumer.ts` in `npm_test/`. */
function consumers(): string[] {
  return [...Deno.readDirSync(join(ROOT, "npm_test"))]
    .filter(({ name, isFile }) => isFile && /(^|_)consumer\.ts$/.test(name))
    .map(({ name }) => name)
    .sort();
}

interface Setup {
  name: string;
  typescript: string;
  compilerOptions: Record<string, unknown>;
}

function setups(): Setup[] {
  return TYPESCRIPTS.flatMap((typescript) =>
    Object.entries(MODULES).flatMap(([moduleName, module]) =>
      Object.entries(GLOBALS).flatMap(([globalsName, globals]) =>
        [true, false].map((exact) => ({
          name: `TypeScript ${
            PINNED[typescript]?.replace(/^npm:typescript@/, "")
          }, ${moduleName}, ${globalsName}, ${
            exact ? "" : "no "
          }exactOptionalPropertyTypes`,
          typescript,
          compilerOptions: {
            strict: true,
            exactOptionalPropertyTypes: exact,
            target: "es2022",
            ...module,
            ...globals,
            skipDefaultLibCheck: true,
            noEmit: true,
          },
        }))
      )
    )
  );
}

/**
 * Runs the matrix in `dir`, a project with `signalry` and {@linkcode TYPES_TOOLS}
 * installed, and prints one line per setup and `types: N passed, N failed`.
 *
 * @throws {CommandError} If any setup fails to type-check.
 */
export async function testTypes(dir: string): Promise<void> {
  const files = consumers();
  for (const file of files) {
    await Deno.copyFile(join(ROOT, "npm_test", file), join(dir, file));
  }
  const queue = setups().map((setup, i) => ({ ...setup, i }));
  const failed: string[] = [];
  let passed = 0;
  const worker = async () => {
    for (let setup = queue.shift(); setup; setup = queue.shift()) {
      const config = join(dir, `tsconfig.${setup.i}.json`);
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          compilerOptions: setup.compilerOptions,
          files,
        }),
      );
      // Up to 6.x, bin/tsc is the compiler itself; from 7.0 it is a small
      // Node script that starts the native compiler from the platform's
      // package (@typescript/typescript-linux-x64, ...), an optional
      // dependency npm installs beside the alias. Either runs under node.
      const version = join("node_modules", setup.typescript, "bin", "tsc");
      try {
        await output("node", [version, "-p", config, "--pretty", "false"], dir);
        passed++;
        console.log(`ok     ${setup.name}`);
      } catch (error) {
        if (!(error instanceof CommandError)) throw error;
        failed.push(setup.name);
        console.log(`FAILED ${setup.name}\n${error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  console.log(`types: ${passed} passed, ${failed.length} failed`);
  if (failed.length > 0) {
    throw new CommandError(`tsc reported errors in: ${failed.join("; ")}`);
  }
}

if (import.meta.main) {
  await main(async () => {
    await using project = await packedProject(TYPES_TOOLS);
    await testTypes(project.dir);
  });
}
