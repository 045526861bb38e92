/**
 * Sender-filtered send: one send from one of 1,000 senders that each have a
 * receiver, with one more receiver for any sender.
 *
 * @module
 */

import { benchRows } from "./_deno.ts";
import { LIBRARIES } from "./_peers.ts";
import { senderRows } from "./_scenarios.ts";

await benchRows(senderRows(LIBRARIES));
