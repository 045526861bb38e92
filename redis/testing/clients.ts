/**
 * The client libraries the tests run against, each as a factory of a
 * connected publisher and subscriber. The tests own these clients: they
 * reconnect every 50 ms (so a restarted server is found quickly) and swallow
 * their `error` events (which the channel never listens to).
 *
 * @module
 */

import { createClient as createClient4 } from "npm:redis@4.7.1";
import { createClient as createClient5 } from "npm:redis@5.12.1";
import { Redis } from "npm:ioredis@5.11.1";
import type { RedisClient } from "../mod.ts";

/** The versions the tests pin; the Node and Bun peers install the same. */
export const NPM_CLIENTS = {
  "redis@4": "redis@4.7.1",
  "redis@5": "redis@5.12.1",
  "ioredis": "ioredis@5.11.1",
} as const;

/** A library name of {@linkcode NPM_CLIENTS}. */
export type Library = keyof typeof NPM_CLIENTS;

/** Every library, for test matrices. */
export const LIBRARIES = Object.keys(NPM_CLIENTS) as Library[];

/** A connected pair of clients of one library. */
export interface ClientPair extends AsyncDisposable {
  readonly publisher: RedisClient;
  readonly subscriber: RedisClient;
  /** Quits both clients. */
  close(): Promise<void>;
}

const RECONNECT_MS = 50;

interface NodeRedisClient {
  on(event: "error", listener: () => void): unknown;
  connect(): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

async function nodeRedisPair(
  createClient: (options: object) => NodeRedisClient,
  url: string,
): Promise<ClientPair> {
  const make = async () => {
    const client = createClient({
      url,
      socket: { reconnectStrategy: () => RECONNECT_MS },
    });
    client.on("error", () => {});
    await client.connect();
    return client;
  };
  const publisher = await make();
  const subscriber = await make();
  const close = async () => {
    for (const client of [publisher, subscriber]) {
      // disconnect(): close at once, even while the server is down.
      await client.disconnect().catch(() => {});
    }
  };
  return {
    publisher: publisher as unknown as RedisClient,
    subscriber: subscriber as unknown as RedisClient,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function ioRedisPair(url: string): Promise<ClientPair> {
  const make = async () => {
    const client = new Redis(url, {
      retryStrategy: () => RECONNECT_MS,
      lazyConnect: true,
    });
    client.on("error", () => {});
    await client.connect();
    return client;
  };
  const publisher = await make();
  const subscriber = await make();
  const close = () => {
    publisher.disconnect();
    subscriber.disconnect();
    return Promise.resolve();
  };
  return {
    publisher,
    subscriber,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Connects a publisher and a subscriber of `library` to `url`. */
export function connectPair(
  library: Library,
  url: string,
): Promise<ClientPair> {
  switch (library) {
    case "redis@4":
      return nodeRedisPair(createClient4 as never, url);
    case "redis@5":
      return nodeRedisPair(createClient5 as never, url);
    case "ioredis":
      return ioRedisPair(url);
  }
}
