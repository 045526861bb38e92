// Transpiles the runtime-neutral bench modules (../_scenarios.ts,
// ../_wait_scenarios.ts, ../_report.ts, ../_memory.ts) into dist/ for Node
// and Bun. Signalry itself comes from its npm build. The esbuild API, not its
// binary: `deno task` runs node_modules/.bin commands as JavaScript, and
// esbuild's is native.
//
// Bundled with splitting, because esbuild leaves a `./_scenarios.ts` import
// as it is written: _wait_scenarios.js and _scenarios.js then share one
// chunk, so there is one receiver counter, as in Deno.
import { build } from "esbuild";

await build({
  entryPoints: [
    "../_scenarios.ts",
    "../_wait_scenarios.ts",
    "../_report.ts",
    "../_memory.ts",
  ].map((path) => new URL(path, import.meta.url).pathname),
  outdir: new URL("./dist/", import.meta.url).pathname,
  format: "esm",
  bundle: true,
  splitting: true,
  logLevel: "warning",
});
