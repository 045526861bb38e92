/**
 * Event and timing helpers shared by the adapter packages' tests: wait for
 * one event, for a condition or for a promise, each with a time limit, and
 * fail a test in which a promise rejection went unhandled. Never published.
 *
 * @module
 */

/** How long a test waits for one event or condition before it fails. */
export const EVENT_TIMEOUT_MS = 10_000;

/** Resolves with the next `type` event of `target`; rejects after `ms`. */
export function nextEvent(
  target: EventTarget,
  type: string,
  ms = EVENT_TIMEOUT_MS,
): Promise<Event & { data?: unknown; error?: unknown }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, listener);
      reject(new Error(`No "${type}" event within ${ms} ms`));
    }, ms);
    const listener = (event: Event) => {
      clearTimeout(timer);
      target.removeEventListener(type, listener);
      resolve(event);
    };
    target.addEventListener(type, listener);
  });
}

/** Polls `condition` every 10 ms; rejects with `what` after `ms`. */
export async function until(
  condition: () => boolean,
  what = "a condition",
  ms = EVENT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves or rejects as `promise` does; rejects with `what` after `ms`. */
export function within<T>(
  promise: PromiseLike<T>,
  what: string,
  ms = EVENT_TIMEOUT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
    }),
  ]);
}

/**
 * Whether `promise` has settled by the end of the current task: true once
 * it settled (either way) before a 0 ms timer fires.
 */
export async function settlesAtOnce(promise: PromiseLike<unknown>): Promise<
  boolean
> {
  let settled = false;
  Promise.resolve(promise).then(() => settled = true, () => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return settled;
}

/**
 * Records every unhandled rejection from now until disposal, and throws on
 * disposal (after two macrotasks, so late ones surface) if there was one.
 */
export function noUnhandledRejections(): AsyncDisposable {
  const reasons: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    reasons.push(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  return {
    async [Symbol.asyncDispose]() {
      for (let i = 0; i < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      globalThis.removeEventListener("unhandledrejection", listener);
      if (reasons.length > 0) {
        throw new AggregateError(
          reasons,
          `${reasons.length} unhandled rejection(s): ${
            reasons.map(String).join("; ")
          }`,
        );
      }
    },
  };
}
