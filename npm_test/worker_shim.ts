/**
 * What a worker script of the tests (`testing/*_worker.ts`) needs of a web
 * worker's global scope, under Node's `worker_threads`: `postMessage`,
 * `addEventListener("message")` and `onmessage` on `globalThis`, over
 * `parentPort`. Bun's and Deno's workers have them already, and then this
 * does nothing. `scripts/test_npm.ts` bundles it in front of each worker
 * script, and `npm_test/deno_shim.ts` starts the bundles for `new Worker()`.
 *
 * @module
 */

import { isMainThread, parentPort } from "node:worker_threads";

type Listener = (event: { data: unknown }) => void;

const scope = globalThis as unknown as {
  postMessage?: unknown;
  onmessage?: Listener | null;
};

if (
  !isMainThread && parentPort !== null &&
  typeof scope.postMessage !== "function"
) {
  const port = parentPort;
  const wrapped = new Map<Listener, (data: unknown) => void>();
  let onmessage: Listener | null = null;
  port.on("message", (data) => onmessage?.({ data }));
  Object.defineProperty(globalThis, "onmessage", {
    get: () => onmessage,
    set: (listener: Listener | null) => onmessage = listener,
    configurable: true,
  });
  Object.assign(globalThis, {
    postMessage: (message: unknown, transfer?: readonly Transferable[]) =>
      port.postMessage(message, transfer as never),
    addEventListener(type: string, listener: Listener) {
      if (type !== "message" || wrapped.has(listener)) return;
      const onData = (data: unknown) => listener({ data });
      wrapped.set(listener, onData);
      port.on("message", onData);
    },
    removeEventListener(type: string, listener: Listener) {
      const onData = wrapped.get(listener);
      if (type !== "message" || onData === undefined) return;
      port.off("message", onData);
      wrapped.delete(listener);
    },
  });
}
