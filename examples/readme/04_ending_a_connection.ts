import assert from "node:assert/strict";
import { Signal } from "signalry";

const closeRequested = new Signal<Record<never, never>, string, boolean>();
{
  using _busy = closeRequested.connect(() => false, { sender: "bob" });
  assert.deepEqual(closeRequested.send("bob").map(([, may]) => may), [false]);
}
assert.deepEqual(closeRequested.send("bob"), []);
const controller = new AbortController();
closeRequested.connect(() => true, { once: true });
closeRequested.connect(() => true, { signal: controller.signal });
const quiet = closeRequested.mute(); // say, while loading fixtures
assert.deepEqual(closeRequested.send("bob"), []);
quiet.unmute();
assert.equal(closeRequested.send("bob").length, 2);
controller.abort();
assert.deepEqual(closeRequested.send("bob"), []);
