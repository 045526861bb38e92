/**
 * An in-process relay over `natsChannel()` for the tests: its own NATS
 * connection, one carried Signal `saved`, and everything it reported
 * recorded.
 *
 * @module
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Signal } from "../../mod.ts";
import { type Relay, relay, type RelayError } from "../../relay.ts";
import { until } from "../../testing/events.ts";
import { type NatsChannel, natsChannel } from "../mod.ts";

/** Connects to `url`, reconnecting every 50 ms forever while it is down. */
export function connectNats(
  url: string,
  options: { noEcho?: boolean } = {},
): Promise<NatsConnection> {
  return connect({
    servers: url,
    reconnectTimeWait: 50,
    maxReconnectAttempts: -1,
    noEcho: options.noEcho ?? false,
  });
}

/** What a relayed `saved` receiver got. */
export interface Received {
  readonly sender: unknown;
  readonly params: Record<string, unknown>;
}

/** A relay the test made, with its connection and records. */
export interface TestRelay extends AsyncDisposable {
  readonly saved: Signal<Record<string, unknown>, unknown>;
  readonly relay: Relay;
  readonly channel: NatsChannel;
  readonly connection: NatsConnection;
  /** What the relay reported, in order. */
  readonly errors: RelayError[];
  /** What `saved`'s receiver heard, local sends included, in order. */
  readonly received: Received[];
  /** Resolves once `condition()` holds; polls every 10 ms, rejects after `ms`. */
  until(condition: () => boolean, ms?: number): Promise<void>;
}

/** Connects to `url` and relays `saved` over `subject`. */
export async function startRelay(
  url: string,
  subject: string,
  options: { noEcho?: boolean } = {},
): Promise<TestRelay> {
  const connection = await connectNats(url, options);
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const received: Received[] = [];
  saved.connect(({ signal: _signal, sender, ...params }) => {
    received.push({ sender, params });
  });
  const errors: RelayError[] = [];
  const channel = natsChannel({ connection, subject });
  const carrier = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
  });
  await carrier.ready;
  return {
    saved,
    relay: carrier,
    channel,
    connection,
    errors,
    received,
    until: (condition, ms) => until(condition, "the relay", ms),
    async [Symbol.asyncDispose]() {
      await carrier.close();
      await channel.close();
      await connection.close();
    },
  };
}
