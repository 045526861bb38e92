/**
 * Helpers shared by the test files; not part of the package.
 *
 * @module
 */

/** V8's `gc()`, present when the tests run with `--v8-flags=--expose-gc`. */
export const gc: (() => void) | undefined = (globalThis as { gc?: () => void })
  .gc;

/** Reads a whole-number setting from the environment, e.g. a run count. */
export function envNumber(name: string): number | undefined {
  const value = Deno.env.get(name);
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) {
    throw new TypeError(`${name} is not an integer: ${value}`);
  }
  return number;
}

/** An AbortSignal that counts the abort listeners added to it and not removed. */
export function countedAbortSignal(): {
  signal: AbortSignal;
  listeners(): number;
} {
  const { signal } = new AbortController();
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<typeof add>) => {
    listeners++;
    add(...args);
  };
  signal.removeEventListener = (...args: Parameters<typeof remove>) => {
    listeners--;
    remove(...args);
  };
  return { signal, listeners: () => listeners };
}
