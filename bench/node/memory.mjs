// Bytes each connected receiver keeps alive, under Node (`node --expose-gc
// memory.mjs`) or Bun (`bun memory.mjs`): the rows of ../_memory.ts.
import { LIBRARIES } from "./libraries.mjs";
import { measureMemory, memoryTable } from "./dist/_memory.js";

const runtime = globalThis.Bun
  ? `Bun ${Bun.version}`
  : `Node ${process.versions.node}`;
const gc = globalThis.Bun ? () => Bun.gc(true) : globalThis.gc;
if (gc === undefined) throw new Error("Run Node with --expose-gc");

const count = Number(process.argv[2] ?? 100_000);
const rows = await measureMemory(LIBRARIES, {
  gc,
  heapUsed: () => process.memoryUsage().heapUsed,
}, count);
console.log(`### ${runtime}: ${count.toLocaleString("en-US")} receivers\n`);
console.log(memoryTable(rows));
