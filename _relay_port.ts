/**
 * The one way a relay reaches into a {@linkcode Signal}: it plugs an Outlet
 * that hears every send, and dispatches the sends other processes made.
 * Internal: `relay.ts` imports it, users never do. `signal.ts` opens the
 * port when the class is defined, so that nothing else can use its
 * private fields. The relay's own logic lives here, not in the class, so
 * that `import { Signal }` does not carry it: the class gives the port its
 * registry and takes one function to call on each send.
 *
 * @module
 */

import { checkParams, receiverArgs } from "./_params.ts";
import { isObject, type Registry, remoteCallListFor } from "./_registry.ts";
import { settled } from "./_settled.ts";
import type { AnySignal } from "./types.ts";

/** What a relay plugs into a Signal. */
export interface Outlet {
  /**
   * Hears a send of the signal after its params were checked and before any
   * local receiver runs; never called for a muted send. Throwing refuses
   * the send: the error propagates from `send`/`sendRobust` (the async
   * sends reject with it) and no receiver runs.
   */
  send: OutletSend;
}

/** What a Signal calls on each send while a relay is plugged in. */
export type OutletSend = (
  sender: unknown,
  params: Readonly<Record<string, unknown>> | undefined,
) => void;

/** What `signal.ts` hands the port. */
export interface Port {
  /**
   * What a dispatch needs of `signal`: its registry, whether it is muted,
   * and its send errors' prefix; undefined if it is not a Signal.
   */
  inside(
    signal: unknown,
  ): { registry: Registry; muted: boolean; action: string } | undefined;
  /** Sets what hears `signal`'s sends; undefined when no relay is plugged. */
  setOutlet(signal: AnySignal, outlet: OutletSend | undefined): void;
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

/** The outlets plugged into each signal, in plug order; replaced, never mutated. */
const plugged = new WeakMap<AnySignal, readonly Outlet[]>();

/** Hands `signal` the one function that calls each of `outlets`, or none. */
function setOutlets(signal: AnySignal, outlets: readonly Outlet[]): void {
  if (outlets.length === 0) {
    plugged.delete(signal);
    opened().setOutlet(signal, undefined);
    return;
  }
  plugged.set(signal, outlets);
  // A send walks this snapshot: one plugged or unplugged during it waits.
  opened().setOutlet(signal, (sender, params) => {
    for (const outlet of outlets) outlet.send(sender, params);
  });
}

/**
 * Plugs `outlet` into `signal`, after any already plugged. While one is
 * plugged, `hasReceivers()` is true for every sender.
 *
 * @returns The way to unplug it; a second call does nothing.
 * @throws {TypeError} If `signal` is not a Signal.
 */
export function plugOutlet(signal: AnySignal, outlet: Outlet): () => void {
  if (opened().inside(signal) === undefined) {
    throw new TypeError("Cannot relay signal: it is not a Signal");
  }
  setOutlets(signal, [...plugged.get(signal) ?? [], outlet]);
  return () => {
    const outlets = plugged.get(signal);
    if (outlets === undefined || !outlets.includes(outlet)) return;
    setOutlets(signal, outlets.filter((each) => each !== outlet));
  };
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
  const inside = opened().inside(signal);
  if (inside === undefined || inside.muted) return;
  const { registry, action } = inside;
  const { receivers, steps } = remoteCallListFor(registry, sender);
  if (receivers.length === 0 && steps === null) return;
  let args: object;
  try {
    checkParams(params, action);
    args = receiverArgs(signal, sender, params, action);
  } catch (error) {
    return onError(error);
  }
  for (const step of steps ?? receivers) {
    try {
      const receiver = typeof step === "function" ? step : step.hearSend(args);
      const response = receiver?.(args);
      if (isObject(response)) {
        Promise.resolve(settled(response)).catch(onError);
      }
    } catch (error) {
      onError(error);
    }
  }
}
