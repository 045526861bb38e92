/**
 * Tests the npm package where users run it (`deno task test:npm`): builds and
 * packs it, installs the tarball into an empty project, and there
 *
 * - lints the package with publint and arethetypeswrong;
 * - runs the very `*_test.ts` files that `deno task test` runs, bundled behind
 *   a `Deno` shim (`scripts/_bundle_tests.ts`), on Node 20, 22 and 24 and on
 *   Bun, plus `npm_test/require.test.cjs`, for what only `require` can break;
 * - runs the browser smoke test (`scripts/test_browser.ts`) and the
 *   TypeScript matrix (`scripts/test_types.ts`);
 * - checks the size budget of `import { Signal } from "signalry"`.
 *
 * `SIGNALRY_RUNTIMES` (comma separated: `node20`, `node22`, `node24`, `bun`,
 * and `node` for the node on PATH) limits the runtimes; the default is the
 * first four. `nodeNN` is the node on PATH when that is Node NN, and else Node
 * NN from npm (`npx -p node@NN`). Each step runs even when one before it
 * failed; the script exits with 1 if any did.
 *
 * @module
 */

import { join } from "node:path";
import {
  CommandError,
  main,
  output,
  packedProject,
  ROOT,
  run,
} from "./_npm_project.ts";
import {
  bundleTests,
  moduleGraphs,
  npmPackages,
  testFiles,
  WORKER_BUNDLES,
  workerFiles,
} from "./_bundle_tests.ts";
import { npmName } from "./_entry_points.ts";
import { BROWSER_TOOLS, testBrowser } from "./test_browser.ts";
import { testTypes, TYPES_TOOLS } from "./test_types.ts";

const RUNTIMES = ["node20", "node22", "node24", "bun"];
/**
 * The size budget, the one place it is set: the minified, brotli-compressed
 * bundle of `import { Signal } from "signalry"` must not pass it. It went from
 * 3 kB to 4.5 kB as the waiting API, its fixes and the stricter types came in,
 * and the first-hour fixes and the relay's hooks took the bundle to 5.53 kB;
 * moving the relay's code out of the class brought it to 5.37 kB. It
 * is set just above what was measured, so that it limits the size rather
 * than tracks it; issue 17's target, 4.0 kB or less, is not met.
 */
const SIZE_BUDGET = "5.4 kB";

// JavaScriptCore scans the stack conservatively: a stale pointer there can
// keep any one object alive through Bun.gc(true), so a test that waits for a
// given object to be collected fails now and then. The heap-size tests run.
const CONSERVATIVE_GC =
  "Bun's collector may keep any one object alive, so whether this one goes is luck";
const GC_TEST = " (needs --v8-flags=--expose-gc; skipped without it)";

/**
 * Tests that cannot run on a runtime, each skipped there by name with its
 * reason printed. A runtime is a name of SIGNALRY_RUNTIMES; `node` matches
 * every Node. Each name must be in a test file, so that none goes stale.
 */
const SKIPPED: { runtime: string; name: string; reason: string }[] = [
  ...[
    "Connection does not keep its sender alive through the sender's other receivers",
    "Connection kept across disconnectAll() keeps none of the registrations it removed",
    "Connection.disconnect() leaves the connection holding nothing, not even its receiver",
    "Signal.next() and events() do not keep their sender alive, and a pending next() goes with it",
  ].map((name) => ({
    runtime: "bun",
    name: name + GC_TEST,
    reason: CONSERVATIVE_GC,
  })),
  {
    runtime: "bun",
    name:
      "Signal returns the heap to where it started after a million connects and disconnects across 10,000 senders" +
      GC_TEST,
    reason:
      "JavaScriptCore's heap after churn sits 10-30 MB above where it started whatever the number of operations (0.5, 1, 2 and 4 million gave 17, 10, 29 and 19 MB; Node stays within 0.2 MB), so a 1 MiB bound measures its collector, not a leak",
  },
];

/** The command that starts `runtime`'s JavaScript, for `node --test` or `bun test`. */
async function runtimeCommand(runtime: string): Promise<string> {
  if (runtime === "node" || runtime === "bun") return runtime;
  const major = runtime.slice("node".length);
  if ((await output("node", ["--version"])).startsWith(`v${major}.`)) {
    return "node";
  }
  return await output("npx", [
    "-y",
    "-p",
    `node@${major}`,
    "node",
    "-p",
    "process.execPath",
  ]);
}

async function testOn(
  runtime: string,
  dir: string,
  bundles: readonly string[],
): Promise<void> {
  const command = await runtimeCommand(runtime);
  const skipped = Object.fromEntries(
    SKIPPED.filter((skip) =>
      skip.runtime === runtime ||
      (skip.runtime === "node" && runtime.startsWith("node"))
    ).map(({ name, reason }) => [name, reason]),
  );
  const env = { SIGNALRY_SKIP: JSON.stringify(skipped) };
  const files = [...bundles, "require.test.cjs"].map((file) => `./${file}`);
  console.error(
    `--- ${runtime}: ${command} ${await output(command, ["--version"])}: ${
      files.join(" ")
    }`,
  );
  if (runtime === "bun") {
    await run("bun", ["test", ...files], { cwd: dir, env });
  } else {
    await run(command, [
      "--expose-gc",
      "--enable-source-maps",
      "--test",
      "--test-reporter=spec",
      ...files,
    ], { cwd: dir, env });
  }
}

/**
 * Checks {@linkcode SIZE_BUDGET} with size-limit: esbuild bundles
 * `import { Signal }` from the ES module the installed package's
 * `exports["."]` names, as a user's bundler would find it, so no file name is
 * kept here.
 */
async function checkSize(dir: string): Promise<void> {
  const name = npmName();
  const installed = join("node_modules", name);
  const manifest = JSON.parse(
    await Deno.readTextFile(join(dir, installed, "package.json")),
  );
  const main = manifest.exports?.["."]?.import?.default;
  if (typeof main !== "string") {
    throw new CommandError(
      `the installed ${name} has no exports["."].import.default to measure`,
    );
  }
  await Deno.writeTextFile(
    join(dir, ".size-limit.json"),
    JSON.stringify([{
      name: `import { Signal } from "${name}"`,
      path: join(installed, main),
      import: "{ Signal }",
      limit: SIZE_BUDGET,
    }]),
  );
  // size-limit prints the size and the budget, and fails past the budget.
  const within = await run("node", ["node_modules/size-limit/bin.js"], {
    cwd: dir,
  }).then(() => true, () => false);
  console.log(`size: ${within ? "1 passed, 0 failed" : "0 passed, 1 failed"}`);
  if (!within) throw new CommandError(`the bundle is over ${SIZE_BUDGET}`);
}

/** Runs every step, each even when one before it failed; false if any failed. */
async function testNpm(runtimes: readonly string[]): Promise<boolean> {
  const unknown = runtimes.filter((name) => !/^(node(\d+)?|bun)$/.test(name));
  if (unknown.length > 0) {
    throw new CommandError(
      `SIGNALRY_RUNTIMES names ${unknown}; expected node20, node22, node24, bun or node`,
    );
  }
  if (runtimes.includes("bun")) {
    await output("bun", ["--version"]).catch(() => {
      throw new CommandError(
        "bun is not on PATH: npm install -g bun@1.3.14, or leave bun out of SIGNALRY_RUNTIMES",
      );
    });
  }
  const files = testFiles();
  const sources = files.map((file) => Deno.readTextFileSync(join(ROOT, file)));
  const stale = SKIPPED.filter(({ name }) =>
    !sources.some((source) => source.includes(JSON.stringify(name)))
  );
  if (stale.length > 0) {
    throw new CommandError(
      `SKIPPED in scripts/test_npm.ts names tests that no file has: ${
        stale.map(({ name }) => name).join("; ")
      }`,
    );
  }
  const graphs = await moduleGraphs(files);
  await using project = await packedProject([
    ...npmPackages(graphs),
    "publint",
    "@arethetypeswrong/cli",
    "size-limit",
    "@size-limit/preset-small-lib",
    ...BROWSER_TOOLS,
    ...TYPES_TOOLS,
  ]);
  const { dir, tarball } = project;
  const bundles = await bundleTests(files, graphs, dir);
  const workers = workerFiles();
  await bundleTests(workers, await moduleGraphs(workers), dir, WORKER_BUNDLES);
  await Deno.copyFile(
    join(ROOT, "npm_test", "require.test.cjs"),
    join(dir, "require.test.cjs"),
  );
  const bin = (tool: string) => join(dir, "node_modules", ".bin", tool);
  const steps: [string, () => Promise<void>][] = [
    ["publint", () => run(bin("publint"), ["--strict", join(ROOT, "npm")])],
    ["arethetypeswrong", () => run(bin("attw"), [tarball])],
    ...runtimes.map((runtime): [string, () => Promise<void>] => [
      `tests on ${runtime}`,
      () => testOn(runtime, dir, bundles),
    ]),
    ["browser smoke test", () => testBrowser(dir)],
    ["TypeScript matrix", () => testTypes(dir)],
    [`size budget ${SIZE_BUDGET}`, () => checkSize(dir)],
  ];
  const results: string[] = [];
  for (const [step, fn] of steps) {
    console.error(`--- ${step}`);
    const start = performance.now();
    const failure = await fn().then(() => undefined, (error) => {
      if (!(error instanceof CommandError)) throw error;
      return error.message;
    });
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    results.push(
      failure === undefined
        ? `ok     ${step} (${seconds} s)`
        : `FAILED ${step} (${seconds} s): ${failure}`,
    );
  }
  console.error(`--- test:npm\n${results.join("\n")}`);
  return results.every((result) => result.startsWith("ok"));
}

if (import.meta.main) {
  const runtimes = (Deno.env.get("SIGNALRY_RUNTIMES") || RUNTIMES.join(","))
    .split(",").map((runtime) => runtime.trim()).filter(Boolean);
  await main(() => testNpm(runtimes));
}
