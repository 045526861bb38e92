/**
 * A channel for the tests of signing and of what a relay reads: posts are
 * recorded and delivered to the other channels of the same hub in a later
 * task, as a BroadcastChannel does, and {@linkcode HubChannel.feed} hands
 * raw data straight to this channel's listeners, so that a throw out of a
 * listener reaches the test. Not part of the package.
 *
 * @module
 */

import type { RelayChannel, RelayChannelEvent, RelayCodec } from "../relay.ts";

type Listener = (event: RelayChannelEvent) => void;

/** One channel object of a hub; see the module doc. */
export class HubChannel implements RelayChannel {
  /** Every message posted through this object, in order. */
  readonly posted: string[] = [];
  /** How params become text, as a broker adapter's channel may say. */
  codec?: RelayCodec;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #hub: HubChannel[];

  /** Joins `hub`: what this object posts reaches every other object in it. */
  constructor(hub: HubChannel[] = []) {
    this.#hub = hub;
    hub.push(this);
  }

  postMessage(message: string): void {
    if (typeof message !== "string") {
      throw new TypeError("HubChannel carries text only");
    }
    this.posted.push(message);
    setTimeout(() => {
      for (const other of this.#hub) {
        if (other !== this) other.feed(message);
      }
    }, 0);
  }

  addEventListener(type: string, listener: Listener): void {
    let listeners = this.#listeners.get(type);
    if (listeners === undefined) {
      this.#listeners.set(type, listeners = new Set());
    }
    listeners.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** How many listeners are attached, of every type. */
  get listenerCount(): number {
    let count = 0;
    for (const listeners of this.#listeners.values()) count += listeners.size;
    return count;
  }

  /** Gives `data` to this object's message listeners now; their throws propagate. */
  feed(data: unknown): void {
    for (const listener of [...this.#listeners.get("message") ?? []]) {
      listener({ type: "message", data });
    }
  }
}

/** Resolves after `count` macrotasks: long enough for a hub's deliveries and WebCrypto. */
export async function settle(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Waits until `done()` is true, polling, for at most `timeout` ms. */
export async function until(
  done: () => boolean,
  what: string,
  timeout = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeout) {
      throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
