/**
 * Django- and py4j-style signals for TypeScript.
 *
 * A {@linkcode Signal} is something that happens. Receivers connect to it,
 * for every sender or for one sender, and optionally under a `uniqueId`; a
 * sender sends it with named params and gets back every receiver's response,
 * in connection order.
 *
 * @example A server tells its receivers that a connection stopped
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * class Server {}
 * class Connection {
 *   constructor(readonly id: number) {}
 * }
 *
 * const connectionStopped = new Signal<{ connection: Connection }, Server>();
 * const server = new Server();
 * const stoppedIds: number[] = [];
 * connectionStopped.connect(({ connection }) => {
 *   stoppedIds.push(connection.id);
 * }, { sender: server });
 *
 * connectionStopped.send(server, { connection: new Connection(7) });
 * connectionStopped.send(new Server(), { connection: new Connection(8) });
 * assertEquals(stoppedIds, [7]);
 * ```
 *
 * @module
 */

export * from "./signal.ts";
export * from "./types.ts";
