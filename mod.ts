/**
 * Django- and py4j-style signals for TypeScript: start with
 * {@linkcode Signal}, whose page gives the rules; the other exports are the
 * types its methods take and return.
 *
 * A `Signal` is something that happens. Receivers connect to it, for every
 * sender or for one sender, and optionally under a `uniqueId`; a sender
 * sends it with named params and gets back every receiver's response, in
 * connection order.
 *
 * Deno can import it by URL, with no import map and no permissions:
 * `import { Signal } from "https://jsr.io/@signalry/signalry/0.1.0/mod.ts"`.
 * Time and memory against its peers are in
 * [bench/RESULTS.md](https://github.com/signalry/signalry/blob/main/bench/RESULTS.md);
 * how it is tested, in
 * [TESTING.md](https://github.com/signalry/signalry/blob/main/TESTING.md).
 *
 * @example A server tells its receivers that a session stopped
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * class Server {}
 * class Session {
 *   constructor(readonly id: number) {}
 * }
 *
 * const sessionStopped = new Signal<{ session: Session }, Server>();
 * const server = new Server();
 * const stoppedIds: number[] = [];
 * sessionStopped.connect(({ session }) => {
 *   stoppedIds.push(session.id);
 * }, { sender: server });
 *
 * sessionStopped.send(server, { session: new Session(7) });
 * sessionStopped.send(new Server(), { session: new Session(8) });
 * assertEquals(stoppedIds, [7]);
 * ```
 *
 * @module
 */

export * from "./signal.ts";
export * from "./types.ts";
