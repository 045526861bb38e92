// Times the rows of ../_scenarios.ts under Node or Bun with mitata and
// prints the ratio tables of ../RESULTS.md. Run it through
// `deno task bench:node` or `deno task bench:bun`, which install and build
// first. Arguments filter groups by substring: `node run.mjs churn`; with
// `--p75`, the tables compare 75th percentiles instead of means.
//
// Node needs --expose-gc: without it mitata "collects garbage" by allocating
// a 1 GiB array before each row, which made signalry's send up to 7 times
// slower on Node 20 in the rows timed after it.
import { measure } from "mitata";
import { LIBRARIES, SIGNALRY_SOURCE } from "./libraries.mjs";
import {
  churnRows,
  sendAsyncRows,
  senderRows,
  sendRows,
  SLOW_CHECK_MS,
} from "./dist/_scenarios.js";
import {
  bufferedEventsRows,
  nextRows,
  turnEventsRows,
} from "./dist/_wait_scenarios.js";
import { ratioTables } from "./dist/_report.js";

const runtime = globalThis.Bun
  ? `Bun ${Bun.version}`
  : `Node ${process.versions.node}`;
const statistic = process.argv.includes("--p75") ? "p75" : "avg";
const filters = process.argv.slice(2).filter((arg) => arg !== "--p75");

const families = [
  () => [0, 1, 10, 100].flatMap((count) => sendRows(LIBRARIES, count)),
  () => senderRows(LIBRARIES),
  () => [1_000, 10_000, 100_000].flatMap((size) => churnRows(LIBRARIES, size)),
  () => sendAsyncRows(LIBRARIES),
  () => [
    ...bufferedEventsRows(LIBRARIES),
    ...turnEventsRows(LIBRARIES),
    ...nextRows(LIBRARIES),
  ],
];

if (!globalThis.Bun && typeof globalThis.gc !== "function") {
  throw new Error("Run Node with --expose-gc (see the top of run.mjs)");
}
console.log(`${runtime}, mitata, signalry from ${SIGNALRY_SOURCE}`);

const timings = [];
for (const family of families) {
  // Check a family's rows before timing any of them, as the Deno benches do.
  const rows = family().filter((row) =>
    filters.length === 0 || filters.some((filter) => row.group.includes(filter))
  );
  const slow = new Set();
  for (const row of rows) {
    const started = performance.now();
    await row.check();
    if (performance.now() - started > SLOW_CHECK_MS) slow.add(row);
  }
  for (const row of rows) {
    // A row that takes seconds per call is timed once after one warmup call
    // (its check was another), as in the Deno benches; not mitata's 12+.
    const stats = await measure(
      row.fn,
      slow.has(row) ? { min_samples: 1, min_cpu_time: 0 } : {},
    );
    timings.push({ ...row, avg: stats.avg, p75: stats.p75 });
    console.error(
      `${row.group} / ${row.name}: ${stats.avg.toFixed(1)} ns, p75 ${
        stats.p75.toFixed(1)
      } ns`,
    );
  }
}
console.log(`\n### ${runtime}\n`);
console.log(ratioTables(timings, statistic));
