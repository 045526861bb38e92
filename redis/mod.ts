/**
 * Carries signalry's Signals between processes over Redis pub/sub: a
 * BroadcastChannel-shaped channel for `relay()` from
 * `@signalry/signalry/relay`, over the node-redis (`redis` 4 and 5) or
 * ioredis clients the application already made.
 *
 * ```ts ignore
 * import { relay } from "@signalry/signalry/relay";
 * import { redisChannel } from "@signalry/redis";
 *
 * const channel = redisChannel({ publisher, subscriber, channel: "app" });
 * await using carrier = relay(channel, { signals: [saved] });
 * await carrier.ready;
 * ```
 *
 * @module
 */

export * from "./channel.ts";
export * from "./codec.ts";
