// The CommonJS build, loaded with `require` as a CommonJS user loads it. The
// full rules are checked on the ES module build, by the Deno test files that
// test:npm runs on Node and Bun; this file checks what only `require` can
// break: that it reaches a working copy of the same API.
const assert = require("node:assert/strict");
const { test } = require("node:test");
const signalry = require("signalry");

test("require() resolves to the CommonJS build", () => {
  assert.match(
    require.resolve("signalry"),
    /[/\\]signalry[/\\]script[/\\]mod\.js$/,
  );
  assert.deepEqual(Object.keys(signalry), ["Signal"]);
});

test("Signal from require() connects, sends in connection order and disconnects", () => {
  const { Signal } = signalry;
  const saved = new Signal();
  const calls = [];
  const log = (args) => {
    calls.push(args);
    return "log";
  };
  saved.connect(log);
  const metrics = saved.connect(() => "metrics", { sender: "db" });
  saved.connect(() => "other", { sender: "cache" });

  const responses = saved.send("db", { id: 1 });

  assert.deepEqual(responses.map(([, response]) => response), [
    "log",
    "metrics",
  ]);
  assert.deepEqual(calls, [{ id: 1, signal: saved, sender: "db" }]);
  assert.equal(metrics.disconnect(), true);
  assert.equal(metrics.disconnect(), false);
  assert.equal(saved.disconnect(log), true);
  assert.deepEqual(saved.send("db", { id: 2 }), []);
});

test("Signal from require() has the same API as from import", async () => {
  const esm = await import("signalry");
  const api = (module) => ({
    exports: Object.keys(module).sort(),
    methods: Reflect.ownKeys(module.Signal.prototype).map(String).sort(),
  });

  assert.deepEqual(api(signalry), api(esm));
  assert.notEqual(signalry.Signal, esm.Signal);
  assert.ok(api(signalry).methods.includes("connect"));
});

test("Signal from require() sends to async, once and abortable receivers", async () => {
  const saved = new signalry.Signal();
  const controller = new AbortController();
  saved.connect(({ id }) => Promise.resolve(id + 1), { once: true });
  saved.connect(() => "until aborted", { signal: controller.signal });

  const first = await saved.sendAsync("db", { id: 1 });
  controller.abort();

  assert.deepEqual(first.map(([, response]) => response), [2, "until aborted"]);
  assert.deepEqual(saved.sendRobust("db", { id: 2 }), []);
  assert.equal(saved.hasReceivers("db"), false);
});

test("Connection[Symbol.dispose]() from require() disconnects", () => {
  const saved = new signalry.Signal();
  const connection = saved.connect(() => {});

  connection[Symbol.dispose]();

  assert.equal(connection.connected, false);
  assert.deepEqual(saved.send(null), []);
});

test("Signal from require() throws this realm's TypeError for bad input", () => {
  const saved = new signalry.Signal();
  assert.throws(() => saved.connect("not a function"), {
    name: "TypeError",
    message: "Cannot connect receiver: receiver is not a function",
  });
  assert.throws(() => saved.send(null, { sender: "x" }), TypeError);
  assert.deepEqual(saved.send(null), []);
});

test("Signal loaded by both import and require() puts one abort listener per copy on an AbortSignal", async () => {
  // What the README (Install) says a dual load costs: each copy keeps
  // its own registry and its own listener on a shared AbortSignal, and
  // removes it with its last registration.
  const esm = await import("signalry");
  const controller = new AbortController();
  let listeners = 0;
  const add = controller.signal.addEventListener.bind(controller.signal);
  const remove = controller.signal.removeEventListener.bind(controller.signal);
  controller.signal.addEventListener = (...args) => (listeners++, add(...args));
  controller.signal.removeEventListener = (...args) => (
    listeners--, remove(...args)
  );
  const fromRequire = new signalry.Signal();
  const fromImport = new esm.Signal();
  const connections = [fromRequire, fromRequire, fromImport, fromImport].map(
    (signal) => signal.connect(() => {}, { signal: controller.signal }),
  );

  assert.equal(listeners, 2);
  for (const connection of connections) connection.disconnect();
  assert.equal(listeners, 0);
});
