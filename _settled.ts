/**
 * How a receiver's response is awaited, by the async sends and by a relay's
 * dispatch. Internal.
 *
 * @module
 */

const promiseThen = Promise.prototype.then;

/** A rejection handler that drops the rejection: nothing awaits it. */
export function ignore(): void {}

/**
 * What `response` settles to, for `Promise.all` and `Promise.allSettled`:
 * a promise as a native promise that Promise's own `then` settles, so that
 * a subclass's `then` never runs; anything else as it is, for them to
 * resolve (a thenable whose `then` throws then rejects).
 */
export function settled(response: unknown): unknown {
  try {
    if (response instanceof Promise) {
      // A plain native promise as it is: Promise.all takes it with its own
      // `then`, and wrapping it would cost a promise and a tick per receiver.
      if (
        Object.getPrototypeOf(response) === Promise.prototype &&
        !Object.hasOwn(response, "then") &&
        !Object.hasOwn(response, "constructor")
      ) {
        return response;
      }
      return new Promise((resolve, reject) => {
        promiseThen.call(response, resolve, reject);
      });
    }
  } catch (error) {
    // A revoked Proxy: nothing to wait for but its error.
    return Promise.reject(error);
  }
  return response;
}
