/**
 * Builds the npm package of this folder into `postgres/npm/`, with the
 * adapters' shared builder (`scripts/_build_adapter_npm.ts` at the root).
 * Run it with `deno task build:npm` in `postgres/`.
 *
 * @module
 */

import { buildAdapterNpm } from "../../scripts/_build_adapter_npm.ts";

await buildAdapterNpm(new URL("..", import.meta.url), {
  keywords: [
    "signal",
    "signals",
    "postgres",
    "postgresql",
    "listen",
    "notify",
    "pg",
    "relay",
  ],
});
