/**
 * Carries signalry's Signals between processes over Postgres LISTEN/NOTIFY:
 * a BroadcastChannel-shaped channel for `relay()` from
 * `@signalry/signalry/relay`, over the node-postgres (`pg`) clients the
 * application already made. No new server: the Postgres you run is the
 * broker.
 *
 * ```ts ignore
 * import { relay } from "@signalry/signalry/relay";
 * import { pgChannel } from "@signalry/postgres";
 *
 * const channel = pgChannel({ listener: connectClient, notifier: pool, channel: "app" });
 * await using carrier = relay(channel, { signals: [saved] });
 * await carrier.ready;
 * ```
 *
 * @module
 */

export * from "./channel.ts";
