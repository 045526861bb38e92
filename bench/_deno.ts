/**
 * Registers {@linkcode Row}s with `Deno.bench`, after checking every one.
 *
 * @module
 */

import { type Row, SLOW_CHECK_MS } from "./_scenarios.ts";

/**
 * Checks every row (one untimed call each), then registers them all: a row
 * that runs the wrong receivers stops the file before anything is timed. A
 * row whose check took longer than `SLOW_CHECK_MS` is timed once after one
 * warmup.
 */
export async function benchRows(rows: readonly Row[]): Promise<void> {
  const slow = new Set<Row>();
  for (const row of rows) {
    const started = performance.now();
    await row.check();
    if (performance.now() - started > SLOW_CHECK_MS) slow.add(row);
  }
  for (const row of rows) {
    Deno.bench({
      name: row.name,
      group: row.group,
      baseline: row.baseline,
      ...(slow.has(row) ? { n: 1, warmup: 1 } : {}),
      fn: row.fn,
    });
  }
}
