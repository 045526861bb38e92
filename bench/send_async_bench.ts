/**
 * `sendAsync` to 10 async receivers against emittery's `emit`.
 *
 * @module
 */

import { benchRows } from "./_deno.ts";
import { LIBRARIES } from "./_peers.ts";
import { sendAsyncRows } from "./_scenarios.ts";

await benchRows(sendAsyncRows(LIBRARIES));
