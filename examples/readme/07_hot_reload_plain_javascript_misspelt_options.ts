import assert from "node:assert/strict";
import { Signal } from "signalry";

const saved = new Signal<{ id: number }, string, string>();
saved.connect(() => "old index", { uniqueId: "index" });
saved.connect(() => "new index", { uniqueId: "index", replace: true });
assert.deepEqual(saved.send("db", { id: 1 }).map(([, said]) => said), [
  "new index",
]);

const quiet = saved.mute();
assert.deepEqual(saved.send("db", { id: 2 }), []);
quiet.unmute();

const misspelt = { sendr: "db" };
// @ts-expect-error a misspelt option is a compile error too
assert.throws(() => saved.connect(() => "", misspelt), /"sendr"/);
