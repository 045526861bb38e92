/**
 * TEMPORARY STUB of the core <-> relay port (relay branch only).
 *
 * The lead's real `_relay_port.ts` lands on `main` with the core hooks
 * (`local: true`, outlets called by the core after its checks); on merge,
 * take main's file and delete this one. This stub wraps a Signal's send
 * methods on the instance, so it cannot honour `local: true`, and it calls
 * outlets before the core checks params. Same signatures as pinned in
 * /work/briefs/port.md.
 *
 * @module
 */

import { Signal } from "./signal.ts";
import type { AnySignal } from "./types.ts";

/** What a relay plugs into a Signal. */
export interface Outlet {
  /** Hears a send before any local receiver runs; throwing refuses it. */
  send(
    sender: unknown,
    params: Readonly<Record<string, unknown>> | undefined,
  ): void;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;
const proto = Signal.prototype as unknown as Record<string, Method>;
const plugged = new WeakMap<AnySignal, Outlet[]>();

function hear(signal: AnySignal, sender: unknown, params: unknown): void {
  if (signal.muted) return;
  for (const outlet of plugged.get(signal) ?? []) {
    outlet.send(sender, params as Record<string, unknown> | undefined);
  }
}

function patch(signal: AnySignal): void {
  const self = signal as unknown as Record<string, unknown>;
  for (const name of ["send", "sendRobust"]) {
    self[name] = function (this: unknown, sender: unknown, params: unknown) {
      hear(signal, sender, params);
      return proto[name]!.call(this, sender, params);
    };
  }
  for (const name of ["sendAsync", "sendAsyncRobust"]) {
    self[name] = function (this: unknown, sender: unknown, params: unknown) {
      try {
        hear(signal, sender, params);
      } catch (error) {
        return Promise.reject(error);
      }
      return proto[name]!.call(this, sender, params);
    };
  }
  self.hasReceivers = function (this: unknown, ...args: unknown[]) {
    return (plugged.get(signal)?.length ?? 0) > 0 ||
      proto.hasReceivers!.apply(this, args) as boolean;
  };
}

/** Plugs `outlet` into `signal`; returns the way to unplug (idempotent). */
export function plugOutlet(signal: AnySignal, outlet: Outlet): () => void {
  let outlets = plugged.get(signal);
  if (outlets === undefined) {
    plugged.set(signal, outlets = []);
    patch(signal);
  }
  plugged.set(signal, [...outlets, outlet]);
  return () => {
    const now = plugged.get(signal) ?? [];
    plugged.set(signal, now.filter((other) => other !== outlet));
  };
}

/** Dispatches a remote send robustly, outlets not called. */
export function dispatchRemote(
  signal: AnySignal,
  sender: unknown,
  params: Readonly<Record<string, unknown>> | undefined,
  onError: (error: unknown) => void,
): void {
  if (signal.muted) return;
  const outcomes = proto.sendRobust!.call(signal, sender, params) as [
    unknown,
    { status: string; value?: unknown; reason?: unknown },
  ][];
  for (const [, outcome] of outcomes) {
    if (outcome.status === "rejected") onError(outcome.reason);
    else if (
      outcome.value !== null && typeof outcome.value === "object" &&
      typeof (outcome.value as PromiseLike<unknown>).then === "function"
    ) {
      Promise.resolve(outcome.value).catch(onError);
    }
  }
}
