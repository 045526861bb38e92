import assert from "node:assert/strict";
import { Signal } from "signalry";

const ticked = new Signal<{ n: number }, string>();
const first = ticked.next({ sender: "clock" });
ticked.send("other", { n: 0 });
ticked.send("clock", { n: 1 });
assert.equal((await first).n, 1);

using ticks = ticked.events({ sender: "clock", limit: 100 });
for (let n = 2; n <= 4; n++) ticked.send("clock", { n });
const seen: number[] = [];
for await (const { n } of ticks) {
  seen.push(n);
  if (n === 4) break;
}
assert.deepEqual(seen, [2, 3, 4]);
