/**
 * Bytes each connected receiver keeps alive, signalry against its peers:
 * `deno task bench:memory` (runs with `--v8-flags=--expose-gc`).
 *
 * @module
 */

import { measureMemory, memoryTable } from "./_memory.ts";
import { LIBRARIES } from "./_peers.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  throw new Error("Run with --v8-flags=--expose-gc: memory.ts needs gc()");
}
const count = Number(Deno.args[0] ?? 100_000);
const rows = await measureMemory(LIBRARIES, {
  gc,
  heapUsed: () => Deno.memoryUsage().heapUsed,
}, count);
console.log(
  `### Deno ${Deno.version.deno}: ${count.toLocaleString("en-US")} receivers\n`,
);
console.log(memoryTable(rows));
