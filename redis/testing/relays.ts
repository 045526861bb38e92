/**
 * An in-process relay over `redisChannel()` for the tests: its own pair of
 * clients, one carried Signal `saved`, and everything it reported recorded.
 *
 * @module
 */

import { Signal } from "../../mod.ts";
import { type Relay, relay, type RelayError } from "../../relay.ts";
import { type RedisChannel, redisChannel } from "../mod.ts";
import { type ClientPair, connectPair, type Library } from "./clients.ts";

/** What a relayed `saved` receiver got. */
export interface Received {
  readonly sender: unknown;
  readonly params: Record<string, unknown>;
}

/** A relay the test made, with its clients and records. */
export interface TestRelay extends AsyncDisposable {
  readonly saved: Signal<Record<string, unknown>, unknown>;
  readonly relay: Relay;
  readonly channel: RedisChannel;
  readonly clients: ClientPair;
  /** What the relay reported, in order. */
  readonly errors: RelayError[];
  /** What `saved`'s receiver heard, local sends included, in order. */
  readonly received: Received[];
  /** Resolves once `condition()` holds; polls every 10 ms, rejects after `ms`. */
  until(condition: () => boolean, ms?: number): Promise<void>;
}

/** Polls `condition` every 10 ms; rejects with `what` after `ms`. */
export async function until(
  condition: () => boolean,
  what = "a condition",
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves or rejects as `promise` does; rejects with `what` after `ms`. */
export function within<T>(
  promise: PromiseLike<T>,
  what: string,
  ms = 10_000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
    }),
  ]);
}

/** Connects clients of `library` and relays `saved` over `channel`. */
export async function startRelay(
  library: Library,
  url: string,
  channelName: string,
): Promise<TestRelay> {
  const clients = await connectPair(library, url);
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const received: Received[] = [];
  saved.connect(({ signal: _signal, sender, ...params }) => {
    received.push({ sender, params });
  });
  const errors: RelayError[] = [];
  const channel = redisChannel({
    publisher: clients.publisher,
    subscriber: clients.subscriber,
    channel: channelName,
  });
  const carrier = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
  });
  await carrier.ready;
  return {
    saved,
    relay: carrier,
    channel,
    clients,
    errors,
    received,
    until: (condition, ms) => until(condition, "the relay", ms),
    async [Symbol.asyncDispose]() {
      await carrier.close();
      await channel.close();
      await clients.close();
    },
  };
}
