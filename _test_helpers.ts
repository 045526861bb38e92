/**
 * Helpers shared by the test files; not part of the package.
 *
 * @module
 */

import { assertEquals, equal } from "@std/assert";
import { setMaxListeners } from "node:events";

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
  /** Aborts `signal`, as its AbortController would. */
  abort(reason?: unknown): void;
} {
  const controller = new AbortController();
  const { signal } = controller;
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
  return {
    signal,
    listeners: () => listeners,
    abort: (reason) => controller.abort(reason),
  };
}

/**
 * Lets `holder.signal` take any number of abort listeners without Node's
 * MaxListenersExceededWarning (past 10), and returns `holder`. Only for the
 * AbortSignals of the property tests, whose naive models add a listener per
 * registration; signalry adds one per AbortSignal, and the warning stays on
 * for it everywhere else, as the README promises it never appears.
 */
export function allowManyListeners<Holder extends { signal: AbortSignal }>(
  holder: Holder,
): Holder {
  setMaxListeners(0, holder.signal);
  return holder;
}

/**
 * How many times longer `run(large)` takes than `run(small)`, each timed as
 * the best of `SAMPLES` in this one process (the best, since collections
 * and other work on the machine only ever add time): a ratio, never an absolute
 * time, so that a noisy machine moves both sides alike. A sample of the
 * small size runs it `large / small` times, so that both samples do the
 * same total work at linear cost and neither is too short to time.
 */
const SAMPLES = 15;

export function scalingRatio(
  run: (size: number) => void,
  small: number,
  large: number,
): number {
  const best = (size: number, times: number) => {
    let fastest = Infinity;
    for (let sample = 0; sample < SAMPLES; sample++) {
      gc?.();
      const start = performance.now();
      for (let i = 0; i < times; i++) run(size);
      fastest = Math.min(fastest, (performance.now() - start) / times);
    }
    return fastest;
  };
  const times = Math.ceil(large / small);
  best(small, times); // warm up both
  best(large, 1);
  return best(large, 1) / Math.max(best(small, times), 0.001);
}

/**
 * The lowest of up to `tries` {@linkcode scalingRatio}s, stopping at the
 * first below `bound`. Noise on a shared machine only ever raises a ratio,
 * so a cost that grows faster than linearly stays above the bound every
 * time, while a linear one gets below it once the machine is quiet.
 */
export function lowestScalingRatio(
  run: (size: number) => void,
  small: number,
  large: number,
  bound: number,
  tries = 5,
): number {
  let lowest = Infinity;
  for (let i = 0; i < tries && lowest >= bound; i++) {
    lowest = Math.min(lowest, scalingRatio(run, small, large));
  }
  return lowest;
}

/**
 * Whether `promise` has settled within a task, without waiting longer: a
 * promise that never settles fails the assertion instead of hanging the test.
 */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return settled;
}

/**
 * Runs `during` and returns the reasons of the promise rejections nobody
 * handled meanwhile, a few tasks after it settles; handles them, so that
 * they do not end the test run.
 */
export async function unhandledRejections(
  during: () => Promise<unknown>,
): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    unhandled.push(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  try {
    await during();
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
  }
  return unhandled;
}

/**
 * fast-check's settings from the environment: `SIGNALRY_FC_RUNS` programs
 * (or `defaultRuns`), divided by `costliness` for a file whose programs cost
 * that many of the others; `SIGNALRY_FC_SEED` and `SIGNALRY_FC_PATH` replay a
 * failure.
 */
export function fcSettings(
  defaultRuns: number,
  costliness = 1,
): { numRuns: number; seed?: number; path?: string; endOnFailure?: boolean } {
  const seed = envNumber("SIGNALRY_FC_SEED");
  const path = Deno.env.get("SIGNALRY_FC_PATH");
  const runs = envNumber("SIGNALRY_FC_RUNS");
  return {
    numRuns: runs === undefined
      ? defaultRuns
      : Math.max(1, Math.round(runs / costliness)),
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === "" ? {} : { path, endOnFailure: true }),
  };
}

/** Compares a run's trace with the model's and names the first entry that differs. */
export function assertSameTrace(actual: unknown[], expected: unknown[]): void {
  const length = Math.max(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (!equal(actual[i], expected[i])) {
      assertEquals(
        actual[i],
        expected[i],
        `trace entry ${i} differs (signalry vs model); preceding entries: ${
          JSON.stringify(actual.slice(Math.max(0, i - 6), i))
        }`,
      );
    }
  }
}
