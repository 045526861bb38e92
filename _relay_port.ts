/**
 * The one way a relay reaches into a {@linkcode Signal}: it plugs an Outlet
 * that hears every send, and dispatches the sends other processes made.
 * Internal: `relay.ts` imports it, users never do. `signal.ts` opens the
 * port when the class is defined, so that nothing else can use its
 * private fields.
 *
 * @module
 */

import type { AnySignal } from "./types.ts";

/** What a relay plugs into a Signal. */
export interface Outlet {
  /**
   * Hears a send of the signal after its params were checked and before any
   * local receiver runs; never called for a muted send. Throwing refuses
   * the send: the error propagates from `send`/`sendRobust` (the async
   * sends reject with it) and no receiver runs.
   */
  send(
    sender: unknown,
    params: Readonly<Record<string, unknown>> | undefined,
  ): void;
}

/** What `signal.ts` hands the port. */
export interface Port {
  plug(signal: AnySignal, outlet: Outlet): () => void;
  dispatch(
    signal: AnySignal,
    sender: unknown,
    params: Readonly<Record<string, unknown>> | undefined,
    onError: (error: unknown) => void,
  ): void;
}

let port: Port | undefined;

/** Called once, by `signal.ts`. */
export function openPort(opened: Port): void {
  port = opened;
}

function opened(): Port {
  if (port === undefined) throw new Error("signal.ts was not loaded");
  return port;
}

/**
 * Plugs `outlet` into `signal`, after any already plugged. While one is
 * plugged, `hasReceivers()` is true for every sender.
 *
 * @returns The way to unplug it; a second call does nothing.
 * @throws {TypeError} If `signal` is not a Signal.
 */
export function plugOutlet(signal: AnySignal, outlet: Outlet): () => void {
  return opened().plug(signal, outlet);
}

/**
 * Dispatches a send that came from another process: robustly, in
 * connection order, to the receivers and waiters of `sender` and of any
 * sender that were not connected `local`. Each receiver's throw, and each
 * rejection of what it returned, goes to `onError`; nothing is thrown.
 * Discarded while the signal is muted. No outlet hears it: a relay is not a
 * bridge.
 */
export function dispatchRemote(
  signal: AnySignal,
  sender: unknown,
  params: Readonly<Record<string, unknown>> | undefined,
  onError: (error: unknown) => void,
): void {
  opened().dispatch(signal, sender, params, onError);
}
