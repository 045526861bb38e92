import assert from "node:assert/strict";
import { Signal } from "signalry";

const uploaded = new Signal<{ file: string }, string, Promise<string>>();
uploaded.connect(({ file }) => Promise.resolve(`thumbnail of ${file}`));
uploaded.connect(() => Promise.reject(new Error("scanner offline")));

const cat = { file: "cat.png" };
await assert.rejects(uploaded.sendAsync("web", cat), /scanner offline/);
const settled = await uploaded.sendAsyncRobust("web", cat);
assert.deepEqual(settled.map(([, o]) => o.status), ["fulfilled", "rejected"]);
