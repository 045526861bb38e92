/**
 * Waiting for sends: `for await` over `events()` (the consumer behind, then
 * waiting on every send) against `node:events`' `on()` and emittery's
 * `events()`, and `next()` round trips against `events.once()` and
 * emittery's `once()`.
 *
 * @module
 */

import { benchRows } from "./_deno.ts";
import { LIBRARIES } from "./_peers.ts";
import {
  bufferedEventsRows,
  nextRows,
  turnEventsRows,
} from "./_wait_scenarios.ts";

await benchRows([
  ...bufferedEventsRows(LIBRARIES),
  ...turnEventsRows(LIBRARIES),
  ...nextRows(LIBRARIES),
]);
