/**
 * An in-process relay over `pgChannel()` for the tests: its own listener and
 * pool, one carried Signal `saved`, and everything it reported recorded.
 *
 * @module
 */

import { Signal } from "../../mod.ts";
import {
  type Relay,
  relay,
  type RelayError,
  type RelayOptions,
} from "../../relay.ts";
import { type PgChannel, pgChannel } from "../mod.ts";
import { type PgClients, pgClients } from "./clients.ts";
// Generic waits shared by the adapter packages.
import { until, within } from "../../testing/events.ts";

export { until, within };

/** What a relayed `saved` receiver got. */
export interface Received {
  readonly sender: unknown;
  readonly params: Record<string, unknown>;
}

/** A relay the test made, with its clients and records. */
export interface TestRelay extends AsyncDisposable {
  readonly saved: Signal<Record<string, unknown>, unknown>;
  readonly relay: Relay;
  readonly channel: PgChannel;
  readonly clients: PgClients;
  /** What the relay reported, in order. */
  readonly errors: RelayError[];
  /** What `saved`'s receiver heard, local sends included, in order. */
  readonly received: Received[];
  /** Resolves once `condition()` holds; polls every 10 ms, rejects after `ms`. */
  until(condition: () => boolean, ms?: number): Promise<void>;
}

/**
 * Makes a listener factory and a pool, and relays `saved` over `channelName`,
 * with `options` (a key, more signals beside `saved`, senders) if given.
 */
export async function startRelay(
  url: string,
  channelName: string,
  options: Partial<Omit<RelayOptions, "onError">> = {},
): Promise<TestRelay> {
  const clients = pgClients(url);
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const received: Received[] = [];
  saved.connect(({ signal: _signal, sender, ...params }) => {
    received.push({ sender, params });
  });
  const errors: RelayError[] = [];
  const channel = pgChannel({
    listener: clients.listener,
    notifier: clients.notifier,
    channel: channelName,
  });
  const carrier = relay(channel, {
    ...options,
    signals: [saved, ...(options.signals ?? [])],
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
