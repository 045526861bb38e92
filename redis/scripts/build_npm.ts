/**
 * Builds the npm package of this folder into `redis/npm/`, with the
 * adapters' shared builder (`scripts/_build_adapter_npm.ts` at the root).
 * Run it with `deno task build:npm` in `redis/`.
 *
 * @module
 */

import { buildAdapterNpm } from "../../scripts/_build_adapter_npm.ts";

await buildAdapterNpm(new URL("..", import.meta.url), {
  keywords: ["signal", "signals", "redis", "pubsub", "relay", "ioredis"],
  dependencies: ["devalue"],
});
