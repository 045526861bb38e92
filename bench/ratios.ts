/**
 * Prints `deno bench --json` output (read from stdin) as the ratio tables of
 * `RESULTS.md`: `deno task bench:ratios`, or `deno task bench:ratios --p75`
 * to compare 75th percentiles instead of means.
 *
 * @module
 */

import { ratioTables, type Statistic, type Timing } from "./_report.ts";

interface DenoBenchReport {
  benches: Array<{
    group: string | null;
    name: string;
    baseline: boolean;
    results: Array<{ ok?: { avg: number; p75: number } }>;
  }>;
}

const report = JSON.parse(
  await new Response(Deno.stdin.readable).text(),
) as DenoBenchReport;
const statistic: Statistic = Deno.args.includes("--p75") ? "p75" : "avg";
const timings: Timing[] = report.benches.flatMap((bench) => {
  const ok = bench.results[0]?.ok;
  return ok === undefined ? [] : [{
    group: bench.group ?? "",
    name: bench.name,
    baseline: bench.baseline,
    avg: ok.avg,
    p75: ok.p75,
  }];
});
console.log(ratioTables(timings, statistic));
