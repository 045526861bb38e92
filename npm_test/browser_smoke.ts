// The browser smoke test's page code: a user's module that imports the packed
// ES module build. scripts/test_browser.ts bundles it with esbuild, minified
// and with `using` lowered, as a user's build would, and
// npm_test/browser.test.mjs runs each check in headless Chromium.
import { Signal } from "signalry";

class Server {
  constructor(readonly name: string) {}
}

function assertEquals(actual: unknown, expected: unknown): void {
  const [a, e] = [actual, expected].map((value) => JSON.stringify(value));
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

function responsesOf(pairs: readonly [unknown, unknown][]): unknown[] {
  return pairs.map(([, response]) => response);
}

/** Each check, by the name the test report shows. */
export const checks: Record<string, () => void | Promise<void>> = {
  "the page is a browser's, without Node globals": () => {
    assertEquals(
      typeof (globalThis as { process?: unknown }).process,
      "undefined",
    );
    assertEquals(typeof document.createElement, "function");
  },

  "Signal.connect() with a sender hears only that sender": () => {
    const saved = new Signal<{ id: number }, Server, string>();
    const db = new Server("db");
    saved.connect(({ sender, id }) => `${sender.name} ${id}`, { sender: db });
    assertEquals(responsesOf(saved.send(db, { id: 1 })), ["db 1"]);
    assertEquals(saved.send(new Server("cache"), { id: 2 }), []);
  },

  "Signal.connect() under a uniqueId connects once": () => {
    const saved = new Signal();
    saved.connect(() => "first", { uniqueId: "log" });
    saved.connect(() => "second", { uniqueId: "log" });
    assertEquals(responsesOf(saved.send(null)), ["first"]);
    assertEquals(saved.disconnect({ uniqueId: "log" }), true);
    assertEquals(saved.send(null), []);
  },

  "Signal.connect() with once calls the receiver for the first send only":
    () => {
      const saved = new Signal();
      saved.connect(() => "once", { once: true });
      assertEquals(responsesOf(saved.send(null)), ["once"]);
      assertEquals(saved.send(null), []);
    },

  "Signal.connect() with an AbortSignal disconnects when it aborts": () => {
    const saved = new Signal();
    const controller = new AbortController();
    const connection = saved.connect(() => "until aborted", {
      signal: controller.signal,
    });
    assertEquals(responsesOf(saved.send(null)), ["until aborted"]);
    controller.abort();
    assertEquals(connection.connected, false);
    assertEquals(saved.send(null), []);
  },

  "Signal.send() and sendRobust() return each receiver's response or error":
    () => {
      const saved = new Signal<{ id: number }, string, number>();
      const failure = new Error("receiver failed");
      saved.connect(({ id }) => id * 2);
      saved.connect(() => {
        throw failure;
      });
      let thrown: unknown;
      try {
        saved.send("db", { id: 21 });
      } catch (error) {
        thrown = error;
      }
      assertEquals(thrown === failure, true);
      const outcomes = saved.sendRobust("db", { id: 21 });
      assertEquals(outcomes.map(([, outcome]) => outcome.status), [
        "fulfilled",
        "rejected",
      ]);
      assertEquals(outcomes[0]?.[1], { status: "fulfilled", value: 42 });
    },

  "Signal.sendAsync() and sendAsyncRobust() await every receiver": async () => {
    const saved = new Signal<{ id: number }, string, Promise<number>>();
    saved.connect(async ({ id }) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return id + 1;
    });
    saved.connect(({ id }) => Promise.resolve(id + 2));
    assertEquals(responsesOf(await saved.sendAsync("db", { id: 1 })), [2, 3]);
    const failing = saved.connect(() => Promise.reject(new Error("late")));
    const outcomes = await saved.sendAsyncRobust("db", { id: 1 });
    assertEquals(outcomes.map(([, outcome]) => outcome.status), [
      "fulfilled",
      "fulfilled",
      "rejected",
    ]);
    failing.disconnect();
  },

  "using disconnects a connection at the end of its block": () => {
    const saved = new Signal();
    {
      using connection = saved.connect(() => "scoped");
      assertEquals(connection.connected, true);
      assertEquals(responsesOf(saved.send(null)), ["scoped"]);
    }
    assertEquals(saved.send(null), []);
    assertEquals(saved.hasReceivers(), false);
  },

  "Signal.receivers() lists what a send would call, in call order": () => {
    const saved = new Signal<Record<never, never>, string>();
    const first = () => 1;
    const forDb = () => 2;
    const later = () => 3;
    saved.connect(first);
    saved.connect(forDb, { sender: "db" });
    saved.connect(later);
    assertEquals(saved.receivers("db").map((receiver) => receiver === first), [
      true,
      false,
      false,
    ]);
    const [, second, third] = saved.receivers("db");
    assertEquals([second === forDb, third === later], [true, true]);
    assertEquals(saved.receivers("cache").length, 2);
  },
};
