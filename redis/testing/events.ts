/**
 * Event helpers for the Redis tests: wait for one event with a time limit,
 * and fail a test in which a promise rejection went unhandled.
 *
 * @module
 */

/** How long a test waits for one event before it fails. */
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
