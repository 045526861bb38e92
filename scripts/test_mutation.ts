/**
 * Mutation testing of the core (`deno task test:mutation`), on demand and not
 * in CI: StrykerJS, pinned in `npm_test/package.json` and installed into a
 * temporary folder, changes the core's code one mutant at a time (every
 * non-test `*.ts` file in the root folder) and runs the fast test files
 * against each with its `command` runner; a mutant no test notices is a
 * behaviour the suite does not pin.
 *
 * The fast test files are every root `*_test.ts` but the slow ones named in
 * `SLOW_FILES`, run without the doc tests and without the type check
 * (`--no-check`: a mutant changes code, not types). `--fail-fast` stops at
 * the first failure, so a killed mutant costs less than a full run.
 *
 * Incremental: the results go to `reports/stryker-incremental.json` (git
 * ignores it), and the next run tests again only the mutants in code that
 * changed. The command runner cannot tell Stryker which test killed which
 * mutant, so after changing the tests, pass `--force` to test every mutant.
 * Other arguments go to `stryker run` too, e.g. `--mutate _registry.ts` or
 * `--concurrency 1`. The HTML report is `reports/mutation/mutation.html`.
 *
 * @module
 */

import { join } from "node:path";
import { main, output, PINNED, ROOT, run } from "./_npm_project.ts";

const STRYKER = "@stryker-mutator/core";

/**
 * Test files left out: those too slow to run once per mutant (the property
 * tests, the churn and memory tests, the timed ratios, the README examples
 * on three runtimes), and the type tests, which check declarations that no
 * mutant changes (one runs `deno check` for seconds).
 */
const SLOW_FILES = [
  "readme_test.ts",
  "signal_property_test.ts",
  "signal_wait_property_test.ts",
  "signal_memory_test.ts",
  "signal_scaling_test.ts",
  "signal_types_test.ts",
];

/** Every root `*_test.ts` file but the slow ones. */
function fastTestFiles(): string[] {
  return [...Deno.readDirSync(ROOT)]
    .filter(({ name, isFile }) =>
      isFile && name.endsWith("_test.ts") && !SLOW_FILES.includes(name)
    )
    .map(({ name }) => name)
    .sort();
}

/** The command that runs the fast tests in Stryker's copy of the checkout. */
function testCommand(): string {
  const standIn = join(ROOT, "..", "shared", "std_offline", "deno-test");
  let hasStandIn = false;
  try {
    hasStandIn = Deno.statSync(standIn).isFile;
  } catch {
    // No stand-in: the real @std from JSR.
  }
  const deno = Deno.execPath();
  const args = [
    "-A",
    "--no-check",
    "--fail-fast",
    "--v8-flags=--expose-gc",
    ...fastTestFiles(),
  ];
  return hasStandIn
    ? `PATH=${deno.replace(/[/\\][^/\\]*$/, "")}:"$PATH" bash ${standIn} ${
      args.join(" ")
    }`
    : `${deno} test ${args.join(" ")}`;
}

/** A Node that Stryker runs on: 22 or later, from npm if the one on PATH is older. */
async function nodeForStryker(): Promise<string> {
  const major = Number(
    (await output("node", ["--version"])).slice(1).split(".")[0],
  );
  if (major >= 22) return "node";
  return await output("npx", [
    "-y",
    "-p",
    "node@22",
    "node",
    "-p",
    "process.execPath",
  ]);
}

await main(async () => {
  const dir = await Deno.makeTempDir({ prefix: "signalry_stryker." });
  try {
    await Deno.writeTextFile(
      join(dir, "package.json"),
      JSON.stringify({ private: true }),
    );
    await run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      `${STRYKER}@${PINNED[STRYKER]}`,
    ], { cwd: dir });
    const config = join(dir, "stryker.config.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify(
        {
          testRunner: "command",
          commandRunner: { command: testCommand() },
          coverageAnalysis: "off",
          mutate: ["*.ts", "!*_test.ts", "!_test_helpers.ts"],
          ignorePatterns: ["npm", "bench", "examples", "npm_test", ".ci"],
          incremental: true,
          incrementalFile: "reports/stryker-incremental.json",
          reporters: ["clear-text", "progress", "html"],
          htmlReporter: { fileName: "reports/mutation/mutation.html" },
          concurrency: 2,
          // A busy machine slows a run by seconds: not a mutant's hang.
          timeoutMS: 20_000,
          cleanTempDir: true,
        },
        null,
        2,
      ),
    );
    const stryker = join(dir, "node_modules", STRYKER, "bin", "stryker.js");
    await run(await nodeForStryker(), [stryker, "run", config, ...Deno.args]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
