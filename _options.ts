/**
 * Reading the options objects of `new Signal()`, `connect`, `disconnect`,
 * `next` and `events`, and how a signal's errors begin. Internal.
 *
 * @module
 */

import { isAbortSignal } from "./_abort.ts";
import type { UniqueId } from "./types.ts";

export function isUniqueId(value: unknown): value is UniqueId {
  const type = typeof value;
  return type === "string" || type === "number" || type === "symbol";
}

/** The options of connect, read once and checked. */
export interface ConnectChoices<Sender> {
  readonly sender: Sender | undefined;
  readonly uniqueId: UniqueId | undefined;
  readonly once: boolean;
  readonly abortSignal: AbortSignal | undefined;
}

/** What leaving the options out means; shared, so that connect allocates nothing for it. */
const NO_CHOICES: Readonly<ConnectChoices<never>> = Object.freeze({
  sender: undefined,
  uniqueId: undefined,
  once: false,
  abortSignal: undefined,
});

/**
 * Reads an options object with `read`, after checking it is one: not a
 * primitive, not an array; a revoked Proxy gets our TypeError too.
 */
export function readObject<Fields>(
  options: unknown,
  action: string,
  read: (options: Record<string, unknown>) => Fields,
): Fields {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options is not an object`);
  }
  let isArray: boolean;
  let fields: Fields;
  try {
    isArray = Array.isArray(options);
    fields = read(options as Record<string, unknown>);
  } catch (error) {
    throw new TypeError(`${action}: options could not be read`, {
      cause: error,
    });
  }
  if (isArray) {
    throw new TypeError(`${action}: options is an array, not an object`);
  }
  return fields;
}

function checkAbortSignal(
  signal: unknown,
  action: string,
): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`${action}: options.signal is not an AbortSignal`);
  }
}

/** Reads and checks the options of connect and disconnect. */
export function readOptions<Sender>(
  options: unknown,
  action: string,
): ConnectChoices<Sender> {
  if (options === undefined) return NO_CHOICES;
  const { sender, uniqueId, once = false, signal } = readObject(
    options,
    action,
    ({ sender, uniqueId, once, signal }) => ({
      sender: sender as Sender | undefined,
      uniqueId,
      once,
      signal,
    }),
  );
  if (uniqueId !== undefined && !isUniqueId(uniqueId)) {
    throw new TypeError(
      `${action}: options.uniqueId is not a string, number or symbol`,
    );
  }
  if (typeof once !== "boolean") {
    throw new TypeError(`${action}: options.once is not a boolean`);
  }
  checkAbortSignal(signal, action);
  return { sender, uniqueId, once, abortSignal: signal };
}

/** The options of next() and events(), read once and checked. */
export interface WaitChoices<Sender> {
  readonly sender: Sender | undefined;
  readonly abortSignal: AbortSignal | undefined;
  readonly limit: number;
}

/** What leaving the options of next() or events() out means; shared, so that it allocates nothing. */
const NO_WAIT_CHOICES: Readonly<WaitChoices<never>> = Object.freeze({
  sender: undefined,
  abortSignal: undefined,
  limit: Infinity,
});

/** Reads and checks the options of next() and events(). */
export function readWaitOptions<Sender>(
  options: unknown,
  action: string,
): WaitChoices<Sender> {
  if (options === undefined) return NO_WAIT_CHOICES;
  const { sender, signal, limit = Infinity } = readObject(
    options,
    action,
    ({ sender, signal, limit }) => ({
      sender: sender as Sender | undefined,
      signal,
      limit,
    }),
  );
  checkAbortSignal(signal, action);
  if (
    limit !== Infinity &&
    !(typeof limit === "number" && Number.isInteger(limit) && limit > 0)
  ) {
    throw new TypeError(`${action}: options.limit is not a positive integer`);
  }
  return { sender, abortSignal: signal, limit: limit as number };
}

/** How an error of a signal begins, by what failed; they name a named signal. */
export interface Actions {
  readonly send: string;
  readonly connect: string;
  readonly disconnect: string;
  readonly next: string;
  readonly events: string;
}

export function actionsOf(name: string | undefined): Actions {
  const signal = name === undefined
    ? "signal"
    : `signal ${JSON.stringify(name)}`;
  return {
    send: `Cannot send ${signal}`,
    connect: name === undefined
      ? "Cannot connect receiver"
      : `Cannot connect receiver to ${signal}`,
    disconnect: name === undefined
      ? "Cannot disconnect receiver"
      : `Cannot disconnect receiver from ${signal}`,
    next: `Cannot wait for ${signal}`,
    events: `Cannot iterate over ${signal}`,
  };
}

/** The actions of every signal without a name. */
export const UNNAMED: Actions = actionsOf(undefined);
