/**
 * Builds the npm package of this folder into `nats/npm/`, with the
 * adapters' shared builder (`scripts/_build_adapter_npm.ts` at the root).
 * Run it with `deno task build:npm` in `nats/`.
 *
 * @module
 */

import { buildAdapterNpm } from "../../scripts/_build_adapter_npm.ts";

await buildAdapterNpm(new URL("..", import.meta.url), {
  keywords: ["signal", "signals", "nats", "pubsub", "relay"],
});
