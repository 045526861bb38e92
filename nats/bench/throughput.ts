/**
 * Relayed sends over NATS against the raw transport, same payload, into a
 * subscriber in another process (a Deno process this script starts): N
 * sends of a carried Signal in one loop (the relay coalesces one tick's
 * sends into few publishes) against N raw `publish()` calls of the same
 * params as JSON, one per message; each timed from the first send until the
 * subscriber process has heard all N. Rounds alternate the modes; the ratios
 * come from one run. Run it with `deno task bench` in `nats/` (it starts its
 * own nats-server).
 *
 * @module
 */

import { connect } from "@nats-io/transport-node";
import { Signal } from "../../mod.ts";
import { relay } from "../../relay.ts";
import { natsChannel } from "../mod.ts";
import { startNats } from "../testing/server.ts";

const MESSAGES = Number(Deno.env.get("BENCH_MESSAGES") ?? 20_000);
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 5);
const LIMIT_MS = 60_000;
const params = (id: number) => ({ id, table: "users", name: `user ${id}` });

type Mode = "raw" | "relay";

/** The subscriber process: counts what it hears, says "done" at N. */
async function subscriber(url: string, mode: Mode, subject: string) {
  const connection = await connect({ servers: url });
  let heard = 0;
  let stop = () => Promise.resolve();
  const done = () => {
    if (++heard === MESSAGES) console.log("done");
  };
  if (mode === "raw") {
    connection.subscribe(subject, {
      callback: (_error, message) => {
        JSON.parse(message.string());
        done();
      },
    });
    await connection.flush();
  } else {
    const saved = new Signal<Record<string, unknown>>({ name: "saved" });
    saved.connect(done);
    const channel = natsChannel({ connection, subject });
    const carrier = relay(channel, { signals: [saved] });
    await carrier.ready;
    stop = async () => {
      await carrier.close();
      await channel.close();
    };
  }
  console.log("ready");
  for await (const _ of Deno.stdin.readable) { /* until the parent is done */ }
  await stop();
  await connection.close();
}

async function lines(
  reader: ReadableStreamDefaultReader<string>,
  want: string,
) {
  let text = "";
  const deadline = Date.now() + LIMIT_MS;
  while (!text.includes(want) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  if (!text.includes(want)) throw new Error(`subscriber never said ${want}`);
}

/** One timed round: ms from the first send until the other process heard all. */
async function round(url: string, mode: Mode, subject: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "sub", url, mode, subject],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await lines(reader, "ready");
  const connection = await connect({ servers: url });
  const saved = new Signal<Record<string, unknown>>({ name: "saved" });
  const channel = mode === "relay"
    ? natsChannel({ connection, subject })
    : undefined;
  const carrier = channel && relay(channel, { signals: [saved] });
  await carrier?.ready;
  const heardAll = lines(reader, "done");
  const started = performance.now();
  if (carrier === undefined) {
    for (let i = 0; i < MESSAGES; i++) {
      connection.publish(subject, JSON.stringify(params(i)));
    }
  } else {
    for (let i = 0; i < MESSAGES; i++) saved.send("db", params(i));
  }
  await heardAll;
  const ms = performance.now() - started;
  await carrier?.close();
  await channel?.close();
  await connection.close();
  await child.stdin.close();
  await reader.cancel().catch(() => {});
  await child.status;
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (Deno.args[0] === "sub") {
  await subscriber(Deno.args[1]!, Deno.args[2] as Mode, Deno.args[3]!);
} else {
  await using server = await startNats();
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const raw = await round(server.url, "raw", `bench.raw.${r}`);
    const relayed = await round(server.url, "relay", `bench.relay.${r}`);
    ratios.push(raw / relayed);
    console.log(
      `round ${r + 1}: raw ${(MESSAGES / raw * 1000).toFixed(0)}/s, relayed ${
        (MESSAGES / relayed * 1000).toFixed(0)
      }/s, relayed/raw throughput ${(raw / relayed).toFixed(2)}x`,
    );
  }
  console.log(
    `${MESSAGES} messages, ${ROUNDS} rounds: median relayed/raw throughput ${
      median(ratios).toFixed(2)
    }x (target >= 0.8x)`,
  );
}
