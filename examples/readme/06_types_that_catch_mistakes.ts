import assert from "node:assert/strict";
import { type AnySignal, Signal } from "signalry";

const saved = new Signal<{ id: number }, string>();
const forged = { id: 1, sender: "x" };
// @ts-expect-error `sender` is reserved: it is send()'s first argument
assert.throws(() => saved.send("db", forged), TypeError);
// @ts-expect-error the sender is a string (at run time, it reaches nobody)
assert.deepEqual(saved.send(42, { id: 1 }), []);
const misspelt = { sendr: "db" };
// @ts-expect-error no option is called `sendr`: did you mean `sender`?
assert.throws(() => saved.connect(() => {}, misspelt), /"sendr"/);

const signals: AnySignal[] = [saved, new Signal({ name: "deleted" })];
assert.deepEqual(signals.map((signal) => signal.disconnectAll()), [0, 0]);
