/**
 * Turns timings into the ratio tables that `RESULTS.md` shows: each row
 * against its group's baseline (the limit), and signalry against each row.
 *
 * @module
 */

/** One row's time for one call. */
export interface Timing {
  readonly group: string;
  readonly name: string;
  readonly baseline: boolean;
  /** Nanoseconds per call, the mean over every sample. */
  readonly avg: number;
  /** Nanoseconds per call that three samples in four beat. */
  readonly p75: number;
}

/**
 * Which time per call the tables compare: the mean, or the 75th percentile,
 * which a busy machine moves less (its stalls land in the slowest
 * samples, and the mean takes them all in).
 */
export type Statistic = "avg" | "p75";

function formatTime(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

function formatRatio(ratio: number): string {
  return ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(2);
}

/**
 * A Markdown table per group: time per call, the row's time over the
 * baseline's, and the group's first signalry row's time over the row's
 * (below 1: signalry is faster), all by `statistic`.
 */
export function ratioTables(
  timings: readonly Timing[],
  statistic: Statistic = "avg",
): string {
  const time = statistic === "avg" ? "time/call" : `${statistic} time/call`;
  const groups = new Map<string, Timing[]>();
  for (const timing of timings) {
    const rows = groups.get(timing.group) ?? [];
    rows.push(timing);
    groups.set(timing.group, rows);
  }
  const lines: string[] = [];
  for (const [group, rows] of groups) {
    const baseline = rows.find((row) => row.baseline) ?? rows[0]!;
    const signalry = rows.find((row) => row.name.startsWith("signalry"));
    lines.push(
      `#### ${group}`,
      "",
      `| row | ${time} | ÷ ${baseline.name} | ${
        signalry?.name ?? "signalry"
      } ÷ row |`,
      "| --- | ---: | ---: | ---: |",
    );
    for (const row of rows) {
      const vsSignalry = signalry === undefined
        ? "–"
        : formatRatio(signalry[statistic] / row[statistic]);
      lines.push(
        `| ${row.name} | ${formatTime(row[statistic])} | ${
          formatRatio(row[statistic] / baseline[statistic])
        } | ${vsSignalry} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}
