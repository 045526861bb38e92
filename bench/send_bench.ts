/**
 * Send to 0, 1, 10 and 100 receivers connected for any sender, against the
 * loop that is the floor and the peers emitting one event.
 *
 * @module
 */

import { benchRows } from "./_deno.ts";
import { LIBRARIES } from "./_peers.ts";
import { sendRows } from "./_scenarios.ts";

await benchRows([0, 1, 10, 100].flatMap((count) => sendRows(LIBRARIES, count)));
