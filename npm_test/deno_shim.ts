/**
 * The part of the `Deno` namespace that signalry's `*_test.ts` files use,
 * for Node and Bun, so that those very files run there against the npm
 * package. `scripts/test_npm.ts` bundles this module in front of each test
 * file.
 *
 * - `Deno.test(name, fn)` and `Deno.test({ name, fn, ignore })` register
 *   with `node:test`, or `bun:test` under Bun; sanitizer options are ignored.
 * - A test named in the JSON object `SIGNALRY_SKIP` (name to reason), or
 *   with `ignore: true`, is skipped, and the reason is printed.
 * - Each test fails after `SIGNALRY_TEST_TIMEOUT` milliseconds, two minutes
 *   unless set.
 * - `Deno.env.get` reads `process.env`; `Deno.memoryUsage` is
 *   `process.memoryUsage`; `Deno.inspect` is `util.inspect`, which reads the
 *   package's `nodejs.util.inspect.custom` methods where Deno reads its
 *   `Deno.customInspect` ones.
 * - Under Bun, `gc()` is `Bun.gc(true)`, a full collection, as with Node's
 *   `--expose-gc`.
 * - `new Worker(url)` of a test's worker script (`testing/*_worker.ts`)
 *   starts the bundle that `scripts/test_npm.ts` wrote beside it
 *   (`testing/*_worker.mjs`): under Bun through its own `Worker`, under Node
 *   through `worker_threads`, wrapped as a web `Worker` (`postMessage`,
 *   `onmessage`, `addEventListener("message")`, `terminate`).
 * - Node's global is no EventTarget: there, `unhandledrejection` listeners on
 *   `globalThis` hear `process`'s `unhandledRejection`. (Bun's global is one,
 *   but does not dispatch that event.) Either way node:test and bun test also
 *   fail the running test on an unhandled rejection, as Deno does.
 *
 * @module
 */

import { createRequire } from "node:module";
import process from "node:process";
import type * as NodeTest from "node:test";
import { inspect } from "node:util";
import { Worker as NodeWorker } from "node:worker_threads";

/** The `Deno.test` options the tests use; others (sanitizers) are ignored. */
interface TestDefinition {
  name: string;
  fn: () => void | Promise<void>;
  ignore?: boolean;
}

type TestFn = TestDefinition["fn"];

/** What the bun:test module offers, as used here. */
interface BunTest {
  test: ((name: string, fn: TestFn) => void) & {
    skip(name: string, fn: TestFn): void;
  };
  setDefaultTimeout(ms: number): void;
}

interface Bun {
  gc(force: boolean): void;
  version: string;
}

const bun = (globalThis as { Bun?: Bun }).Bun;
// A hung test fails after this long instead of holding up the run: Deno has
// no limit, node:test none by default, bun test's 5 s is too short for the
// property test (about 20 s on a busy machine). SIGNALRY_TEST_TIMEOUT, in
// milliseconds, sets another, for longer runs such as SIGNALRY_FC_RUNS=100000.
const TIMEOUT = Number(process.env.SIGNALRY_TEST_TIMEOUT || 120_000);
// Loaded at once, not awaited: when an error landed during such an await
// (a finalizer for an earlier file's garbage threw), bun test refused every
// test the file registered after it.
const load = createRequire(import.meta.url);
const register: (definition: TestDefinition, skip?: string) => void =
  bun === undefined
    ? nodeRegister(load("node:test"))
    : bunRegister(load("bun:test"));
const runtime = bun === undefined
  ? `node ${process.version}`
  : `bun ${bun.version}`;
const skipped: Record<string, string> = JSON.parse(
  process.env.SIGNALRY_SKIP || "{}",
);

function nodeRegister({ test }: typeof NodeTest) {
  return ({ name, fn }: TestDefinition, skip?: string) =>
    test(name, { skip: skip ?? false, timeout: TIMEOUT }, fn);
}

function bunRegister({ test, setDefaultTimeout }: BunTest) {
  setDefaultTimeout(TIMEOUT);
  return ({ name, fn }: TestDefinition, skip?: string) =>
    skip === undefined ? test(name, fn) : test.skip(name, fn);
}

function test(
  nameOrDefinition: string | TestDefinition,
  fn?: TestFn,
): void {
  const definition = typeof nameOrDefinition === "string"
    ? { name: nameOrDefinition, fn: fn! }
    : { ...nameOrDefinition, ...(fn === undefined ? {} : { fn }) };
  const reason = skipped[definition.name] ??
    (definition.ignore ? "the test says ignore: true" : undefined);
  if (reason !== undefined) {
    console.log(`skipped on ${runtime}: ${definition.name}: ${reason}`);
  }
  register(definition, reason);
}

Object.assign(globalThis, {
  Deno: {
    test,
    env: { get: (name: string) => process.env[name] },
    memoryUsage: () => process.memoryUsage(),
    // Deno.inspect and util.inspect share depth, sorted, compact and getters.
    inspect: (value: unknown, options?: object) => inspect(value, options),
  },
});

if (bun !== undefined) {
  (globalThis as { gc?: () => void }).gc ??= () => bun.gc(true);
}

type RejectionListener = (event: {
  reason: unknown;
  promise: unknown;
  preventDefault(): void;
}) => void;
const heard = new Map<unknown, (reason: unknown, promise: unknown) => void>();
if (!("addEventListener" in globalThis)) {
  Object.assign(globalThis, {
    addEventListener(type: string, listener: RejectionListener) {
      if (type !== "unhandledrejection") {
        throw new TypeError(
          `Cannot listen for ${type}: the shim has no such event`,
        );
      }
      const onRejection = (reason: unknown, promise: unknown) =>
        listener({ reason, promise, preventDefault() {} });
      heard.set(listener, onRejection);
      process.on("unhandledRejection", onRejection);
    },
    removeEventListener(type: string, listener: RejectionListener) {
      const onRejection = heard.get(listener);
      if (type === "unhandledrejection" && onRejection !== undefined) {
        process.off("unhandledRejection", onRejection);
        heard.delete(listener);
      }
    },
  });
}

/** A worker script's URL in the tests, `.ts`, to its bundle's, `.mjs`. */
function workerBundle(url: string | URL): URL {
  const href = String(url);
  return new URL(href.endsWith(".ts") ? `${href.slice(0, -3)}.mjs` : href);
}

type MessageListener = (event: { data: unknown }) => void;

/** A web `Worker` over Node's `worker_threads`, as much as the tests use. */
class WebWorker {
  onmessage: MessageListener | null = null;
  onerror: ((error: unknown) => void) | null = null;
  readonly #worker: NodeWorker;
  readonly #listeners = new Set<MessageListener>();

  constructor(url: string | URL) {
    this.#worker = new NodeWorker(workerBundle(url));
    this.#worker.on("message", (data: unknown) => {
      this.onmessage?.({ data });
      for (const listener of this.#listeners) listener({ data });
    });
    this.#worker.on("error", (error: unknown) => {
      if (this.onerror === null) throw error;
      this.onerror(error);
    });
  }

  postMessage(message: unknown, transfer?: readonly Transferable[]): void {
    this.#worker.postMessage(message, transfer as never);
  }

  addEventListener(type: string, listener: MessageListener): void {
    if (type === "message") this.#listeners.add(listener);
  }

  removeEventListener(type: string, listener: MessageListener): void {
    if (type === "message") this.#listeners.delete(listener);
  }

  terminate(): void {
    void this.#worker.terminate();
  }
}

const BunWorker = bun === undefined ? undefined : (globalThis as unknown as {
  Worker: new (url: string | URL, options?: object) => object;
}).Worker;
Object.assign(globalThis, {
  Worker: BunWorker === undefined ? WebWorker : class extends BunWorker {
    constructor(url: string | URL, options?: object) {
      super(workerBundle(url), options);
    }
  },
});
