/**
 * Prints `deno bench --json` output (read from stdin) as the ratio tables of
 * `RESULTS.md`: `deno task bench:ratios`.
 *
 * @module
 */

import { ratioTables, type Timing } from "./_report.ts";

interface DenoBenchReport {
  benches: Array<{
    group: string | null;
    name: string;
    baseline: boolean;
    results: Array<{ ok?: { avg: number } }>;
  }>;
}

const report = JSON.parse(
  await new Response(Deno.stdin.readable).text(),
) as DenoBenchReport;
const timings: Timing[] = report.benches.flatMap((bench) => {
  const avg = bench.results[0]?.ok?.avg;
  return avg === undefined ? [] : [{
    group: bench.group ?? "",
    name: bench.name,
    baseline: bench.baseline,
    avg,
  }];
});
console.log(ratioTables(timings));
