import assert from "node:assert/strict";
import { Signal } from "signalry";
import { relay } from "signalry/relay";

class User {}
// Each process declares the same named Signal: its name is the wire name.
const here = new Signal<{ id: number }, typeof User>({ name: "userSaved" });
const there = new Signal<{ id: number }, typeof User>({ name: "userSaved" });
const heard: string[] = [];
there.connect(({ id }) => void heard.push(`cache ${id}`)); // hears all
here.connect(({ id }) => void heard.push(`mail ${id}`), { local: true });

// One relay and one channel object per process (both here, for the example).
const senders = { User };
await using a = relay(new BroadcastChannel("app"), {
  signals: [here],
  senders,
});
await using b = relay(new BroadcastChannel("app"), {
  signals: [there],
  senders,
});
await Promise.all([a.ready, b.ready]);

here.send(User, { id: 1 }); // posted, then the local receivers run
for (let i = 0; i < 200 && heard.length < 2; i++) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
assert.deepEqual(heard, ["mail 1", "cache 1"]);
