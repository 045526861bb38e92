// Bytes each connected receiver keeps alive, under Node (`node --expose-gc
// memory.mjs`) or Bun (`bun memory.mjs`): the rows of ../_memory.ts.
import { LIBRARIES } from "./libraries.mjs";
import { measureMemory, memoryTable } from "./dist/_memory.js";

const runtime = globalThis.Bun
  ? `Bun ${Bun.version}`
  : `Node ${process.versions.node}`;
const gc = globalThis.Bun ? () => Bun.gc(true) : globalThis.gc;
if (gc === undefined) throw new Error("Run Node with --expose-gc");
// Bun's process.memoryUsage().heapUsed stays 0; JavaScriptCore's own
// heap statistics have the size.
const heapUsed = globalThis.Bun
  ? (await import("bun:jsc")).heapStats
  : () => ({ heapSize: process.memoryUsage().heapUsed });

const count = Number(process.argv[2] ?? 100_000);
const rows = await measureMemory(LIBRARIES, {
  gc,
  heapUsed: () => heapUsed().heapSize,
}, count);
console.log(`### ${runtime}: ${count.toLocaleString("en-US")} receivers\n`);
console.log(memoryTable(rows));
