/**
 * Type-checks and doc-lints every module `deno.json` exports (`deno check`,
 * then `deno doc --lint`), so that an entry point added to `exports` is
 * checked with no edit here or in `deno task check`, which runs this. Extra
 * arguments are checked with the entry points (`examples/`, `scripts/`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { entryPoints } from "./_entry_points.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function deno(args: string[]): Promise<boolean> {
  const { success } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
  })
    .spawn().status;
  return success;
}

const sources = entryPoints().map(({ source }) => source);
console.error(`check_exports: ${sources.join(", ")}`);
const ok = await deno(["check", ...sources, ...Deno.args]) &&
  await deno(["doc", "--lint", ...sources]);
Deno.exit(ok ? 0 : 1);
