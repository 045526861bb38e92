/**
 * "A Signal that no relay carries is no slower than today": send to 0 and 1
 * receivers with this checkout's core against the core of another commit
 * (the argument; `main` by default, e.g. the commit before the relay port),
 * in one process, and the same sends while another Signal is relayed.
 * Each row is the best of `ROUNDS` interleaved rounds; ratios, not times,
 * are the result (`deno task bench:relay-overhead <commit>`).
 *
 * @module
 */

import { Signal } from "../mod.ts";
import { relay } from "../relay.ts";

const ROUNDS = 15;
const SENDS = 1_000_000;

const base = Deno.args[0] ?? "main";
const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "signalry_base." });
const archive = new Deno.Command("git", {
  args: ["-C", root, "archive", "--format=tar", base],
  stdout: "piped",
}).spawn();
const untar = new Deno.Command("tar", {
  args: ["-x", "-C", dir],
  stdin: "piped",
}).spawn();
await archive.stdout.pipeTo(untar.stdin);
if (!(await archive.status).success || !(await untar.status).success) {
  throw new Error(`Cannot read the core at ${base}`);
}
const { Signal: BaseSignal } = await import(`file://${dir}/mod.ts`) as {
  Signal: typeof Signal;
};

let sink: unknown;
function row(make: () => { send(sender: unknown): unknown }) {
  const signal = make();
  return () => {
    const start = performance.now();
    for (let i = 0; i < SENDS; i++) sink = signal.send("db");
    return (performance.now() - start) / SENDS * 1e6;
  };
}
const receiver = (args: unknown) => (sink = args);
const withReceiver = <T extends { connect(r: typeof receiver): unknown }>(
  signal: T,
) => (signal.connect(receiver), signal);

// Another Signal is relayed throughout: the rows measure Signals it does not carry.
const relayed = new Signal({ name: "relayed" });
const channel = new BroadcastChannel(
  `signalry-overhead-${crypto.randomUUID()}`,
);
const carried = relay(channel, { signals: [relayed] });

const rows: Record<string, () => number> = {
  [`send to 0, core at ${base}`]: row(() => new BaseSignal()),
  "send to 0, this core, unrelayed": row(() => new Signal()),
  [`send to 1, core at ${base}`]: row(() => withReceiver(new BaseSignal())),
  "send to 1, this core, unrelayed": row(() => withReceiver(new Signal())),
};
const best: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(rows)) {
    best[name] = Math.min(best[name] ?? Infinity, run());
  }
}
await carried.close();
channel.close();
await Deno.remove(dir, { recursive: true });
void sink;

console.log(
  `Deno ${Deno.version.deno}, ${SENDS} sends a row, best of ${ROUNDS}`,
);
for (const [name, ns] of Object.entries(best)) {
  console.log(`${name}: ${ns.toFixed(1)} ns`);
}
for (const count of [0, 1]) {
  const before = best[`send to ${count}, core at ${base}`]!;
  const now = best[`send to ${count}, this core, unrelayed`]!;
  console.log(
    `send to ${count}: this core / core at ${base} = ${
      (now / before).toFixed(2)
    }x`,
  );
}
