/**
 * Carries signalry's Signals between processes over core NATS: a
 * BroadcastChannel-shaped channel for `relay()` from
 * `@signalry/signalry/relay`, over the NATS connection the application
 * already made (`@nats-io/transport-node`, or the same API in Deno).
 *
 * ```ts ignore
 * import { relay } from "@signalry/signalry/relay";
 * import { natsChannel } from "@signalry/nats";
 *
 * await using carrier = relay(natsChannel({ connection, subject: "app" }), {
 *   signals: [saved],
 * });
 * await carrier.ready;
 * ```
 *
 * @module
 */

export * from "./channel.ts";
