/**
 * Churn: connect 1,000, 10,000 and 100,000 receivers, then disconnect them in
 * a random order drawn before timing.
 *
 * @module
 */

import { benchRows } from "./_deno.ts";
import { LIBRARIES } from "./_peers.ts";
import { churnRows } from "./_scenarios.ts";

await benchRows(
  [1_000, 10_000, 100_000].flatMap((size) => churnRows(LIBRARIES, size)),
);
