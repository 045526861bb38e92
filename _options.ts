/**
 * Reading the options objects of `new Signal()`, `connect`, `disconnect`,
 * `next` and `events`, and how a signal's errors begin. Internal.
 *
 * Every reader checks the object first: not a primitive, not an array, no
 * own key the method does not take (a misspelt option would otherwise
 * change the meaning in silence), then reads each key once.
 *
 * @module
 */

import { isAbortSignal } from "./_abort.ts";
import type { UniqueId } from "./types.ts";

/** The options of connect, read once and checked. */
export interface ConnectChoices<Sender> {
  readonly sender: Sender | undefined;
  readonly uniqueId: UniqueId | undefined;
  readonly once: boolean;
  readonly abortSignal: AbortSignal | undefined;
  readonly local: boolean;
  readonly replace: boolean;
}

/** What leaving the options out means; shared, so that connect allocates nothing for it. */
const NO_CHOICES: Readonly<ConnectChoices<never>> = Object.freeze({
  sender: undefined,
  uniqueId: undefined,
  once: false,
  abortSignal: undefined,
  local: false,
  replace: false,
});

/** The options of next() and events(), read once and checked. */
export interface WaitChoices<Sender> {
  readonly sender: Sender | undefined;
  readonly abortSignal: AbortSignal | undefined;
  readonly limit: number;
  readonly local: boolean;
}

/** What leaving the options of next() or events() out means; shared, so that it allocates nothing. */
const NO_WAIT_CHOICES: Readonly<WaitChoices<never>> = Object.freeze({
  sender: undefined,
  abortSignal: undefined,
  limit: Infinity,
  local: false,
});

/** The keys each method's options take. */
const KEYS = {
  signal: ["name"],
  // disconnect() takes connect()'s keys too: one options object may serve both.
  connect: ["sender", "uniqueId", "once", "signal", "local", "replace"],
  next: ["sender", "signal", "local"],
  events: ["sender", "signal", "limit", "local"],
} as const;

/** What a key that no method takes most likely meant. */
const MEANT: Readonly<Record<string, string>> = {
  unique_id: '; did you mean "uniqueId"?',
  dispatch_uid: '; did you mean "uniqueId"?',
  uid: '; did you mean "uniqueId"?',
  weak: ": receivers are held until disconnected",
  timeout: "; use signal: AbortSignal.timeout(ms)",
};

/**
 * Checks that `options` is an object whose own keys are all `known`, then
 * reads it with `read`. A revoked Proxy, or a getter that throws, gets our
 * TypeError too.
 */
function readObject<Fields>(
  options: unknown,
  action: string,
  known: readonly string[],
  read: (options: Record<string, unknown>) => Fields,
): Fields {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options is not an object`);
  }
  let isArray: boolean;
  let unknownKey: string | undefined;
  let fields: Fields;
  try {
    isArray = Array.isArray(options);
    unknownKey = Object.keys(options).find((key) => !known.includes(key));
    fields = read(options as Record<string, unknown>);
  } catch (error) {
    throw new TypeError(`${action}: options could not be read`, {
      cause: error,
    });
  }
  if (isArray) {
    throw new TypeError(`${action}: options is an array, not an object`);
  }
  if (unknownKey !== undefined) {
    throw new TypeError(
      `${action}: options has no key ${JSON.stringify(unknownKey)}${
        meaningOf(unknownKey, known)
      }`,
    );
  }
  return fields;
}

/** What an unknown key most likely meant: a known key one or two edits away, or a known habit. */
function meaningOf(key: string, known: readonly string[]): string {
  const near = known.find((candidate) => editDistance(key, candidate) <= 2);
  if (near !== undefined) return `; did you mean ${JSON.stringify(near)}?`;
  return MEANT[key] ??
    `; it takes ${known.slice(0, -1).join(", ")} and ${known.at(-1)}`;
}

/** Levenshtein distance, for keys a few letters long. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function checkBoolean(value: unknown, key: string, action: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${action}: options.${key} is not a boolean`);
  }
  return value;
}

function checkAbortSignal(
  signal: unknown,
  action: string,
): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`${action}: options.signal is not an AbortSignal`);
  }
}

/** Reads and checks the options of `new Signal()`: its name. */
export function readSignalOptions(options: unknown): string | undefined {
  const action = "Cannot create signal";
  if (options === undefined) return undefined;
  if (typeof options === "string") {
    // blinker's habit: `signal("saved")`.
    throw new TypeError(
      `${action}: options is not an object; write new Signal({ name: ${
        JSON.stringify(options)
      } })`,
    );
  }
  const name = readObject(options, action, KEYS.signal, ({ name }) => name);
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${action}: options.name is not a string`);
  }
  return name;
}

/** Reads and checks the options of connect and disconnect. */
export function readOptions<Sender>(
  options: unknown,
  action: string,
): ConnectChoices<Sender> {
  if (options === undefined) return NO_CHOICES;
  const {
    sender,
    uniqueId,
    once = false,
    signal,
    local = false,
    replace = false,
  } = readObject(
    options,
    action,
    KEYS.connect,
    ({ sender, uniqueId, once, signal, local, replace }) => ({
      sender: sender as Sender | undefined,
      uniqueId,
      once,
      signal,
      local,
      replace,
    }),
  );
  if (uniqueId !== undefined && !isUniqueId(uniqueId)) {
    throw new TypeError(
      `${action}: options.uniqueId is not a string, number or symbol`,
    );
  }
  checkBoolean(once, "once", action);
  checkAbortSignal(signal, action);
  const choices = {
    sender,
    uniqueId,
    once: once as boolean,
    abortSignal: signal,
    local: checkBoolean(local, "local", action),
    replace: checkBoolean(replace, "replace", action),
  };
  if (choices.replace && uniqueId === undefined) {
    throw new TypeError(
      `${action}: options.replace needs options.uniqueId, the registration to replace`,
    );
  }
  return choices;
}

/** Reads and checks the options of next() and events(). */
export function readWaitOptions<Sender>(
  options: unknown,
  action: string,
  method: "next" | "events",
): WaitChoices<Sender> {
  if (options === undefined) return NO_WAIT_CHOICES;
  const { sender, signal, limit = Infinity, local = false } = readObject(
    options,
    action,
    KEYS[method],
    ({ sender, signal, limit, local }) => ({
      sender: sender as Sender | undefined,
      signal,
      limit,
      local,
    }),
  );
  checkAbortSignal(signal, action);
  if (
    limit !== Infinity &&
    !(typeof limit === "number" && Number.isInteger(limit) && limit > 0)
  ) {
    throw new TypeError(`${action}: options.limit is not a positive integer`);
  }
  return {
    sender,
    abortSignal: signal,
    limit: limit as number,
    local: checkBoolean(local, "local", action),
  };
}

function isUniqueId(value: unknown): value is UniqueId {
  const type = typeof value;
  return type === "string" || type === "number" || type === "symbol";
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
