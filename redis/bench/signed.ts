/**
 * What signing costs over Redis, between two processes (issue 20): relayed
 * sends with a key against the same sends without one, into a relay in
 * another Deno process that this script starts; ratios from one run, the
 * rounds alternating the two.
 *
 * - throughput: N sends in one loop (coalesced into few PUBLISHes, one HMAC
 *   each), timed until the other process has dispatched all N;
 * - one message per send: N / 10 sends, each flushed before the next, so
 *   each pays a whole message's HMAC on both sides;
 * - latency: one send at a time, the other process answering each with a
 *   raw PUBLISH, p50 of the round trip.
 *
 * Run it with `deno run -A bench/signed.ts` in `redis/` (it starts its own
 * redis-server).
 *
 * @module
 */

import { Signal } from "../../mod.ts";
import { relay } from "../../relay.ts";
import { redisChannel } from "../mod.ts";
import { connectPair } from "../testing/clients.ts";
import { startRedis } from "../testing/server.ts";

const MESSAGES = Number(Deno.env.get("BENCH_MESSAGES") ?? 20_000);
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 5);
const ROUND_TRIPS = Number(Deno.env.get("BENCH_ROUND_TRIPS") ?? 300);
const LIMIT_MS = 60_000;
const KEY = "bench: a shared secret of 32+ characters";
const params = (id: number) => ({ id, table: "users", at: new Date(0) });
const MODES = ["keyless", "signed"] as const;
type Mode = typeof MODES[number];

/** One relay per mode, each on its own Redis channel, over `clients`. */
async function relays(url: string) {
  const clients = await connectPair("redis@5", url);
  const made = MODES.map(async (mode) => {
    const saved = new Signal<ReturnType<typeof params>>({ name: "saved" });
    const own = await connectPair("redis@5", url);
    const channel = redisChannel({
      publisher: clients.publisher,
      subscriber: own.subscriber,
      channel: mode,
    });
    const carrier = relay(channel, {
      signals: [saved],
      ...(mode === "signed" ? { key: KEY } : {}),
    });
    await carrier.ready;
    const close = async () => {
      await carrier.close();
      await channel.close();
      await own.close();
    };
    return { saved, carrier, close };
  });
  const [keyless, signed] = await Promise.all(made);
  return { clients, byMode: { keyless: keyless!, signed: signed! } };
}

async function subscriberProcess(url: string): Promise<void> {
  const { clients, byMode } = await relays(url);
  const publisher = clients.publisher as unknown as {
    publish(channel: string, message: string): Promise<unknown>;
  };
  let expected = 0;
  let heard = 0;
  let answering = false;
  for (const { saved } of Object.values(byMode)) {
    saved.connect(() => {
      heard++;
      if (answering) publisher.publish("ack", String(heard));
      else if (heard === expected) console.log("done");
    });
  }
  console.log("ready");
  for await (
    const line of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  ) {
    for (const command of line.split("\n").filter(Boolean)) {
      const [what, count] = command.split(" ");
      heard = 0;
      expected = Number(count);
      answering = what === "answer";
      console.log("armed");
    }
  }
}

async function main(): Promise<void> {
  await using server = await startRedis();
  const { clients, byMode } = await relays(server.url);
  const acks = await connectPair("redis@5", server.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--subscriber", server.url],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  async function nextLine(): Promise<string> {
    const deadline = Date.now() + LIMIT_MS;
    while (!buffered.includes("\n")) {
      if (Date.now() > deadline) throw new Error("subscriber went quiet");
      const { value, done } = await lines.read();
      if (done) throw new Error("subscriber exited");
      buffered += value;
    }
    const line = buffered.slice(0, buffered.indexOf("\n"));
    buffered = buffered.slice(buffered.indexOf("\n") + 1);
    return line;
  }
  const writer = child.stdin.getWriter();
  const command = async (line: string) => {
    await writer.write(new TextEncoder().encode(`${line}\n`));
    if ((await nextLine()) !== "armed") throw new Error("subscriber not armed");
  };
  let onAck: () => void = () => {};
  await (acks.subscriber as unknown as {
    subscribe(channel: string, listener: () => void): Promise<unknown>;
  }).subscribe("ack", () => onAck());
  try {
    if ((await nextLine()) !== "ready") throw new Error("subscriber not ready");
    const throughput = async (mode: Mode, each: boolean): Promise<number> => {
      const { saved, carrier } = byMode[mode];
      const count = each ? MESSAGES / 10 : MESSAGES;
      await command(`count ${count}`);
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        saved.send("db", params(i));
        if (each) await carrier.flush();
      }
      await carrier.flush();
      if ((await nextLine()) !== "done") throw new Error("lost count");
      return count / ((performance.now() - started) / 1000);
    };
    const p50 = async (mode: Mode): Promise<number> => {
      await command(`answer ${ROUND_TRIPS}`);
      const times: number[] = [];
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const acked = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no ack")), LIMIT_MS);
          onAck = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        const started = performance.now();
        byMode[mode].saved.send("db", params(i));
        await acked;
        times.push((performance.now() - started) * 1000);
      }
      return times.sort((a, b) => a - b)[times.length >> 1]!;
    };
    for (const mode of MODES) await throughput(mode, false); // warm up
    const results: Record<string, number[]> = {};
    const record = (row: string, value: number) =>
      (results[row] ??= []).push(value);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) {
        record(`burst ${mode}`, await throughput(mode, false));
        record(`each ${mode}`, await throughput(mode, true));
        record(`p50 ${mode}`, await p50(mode));
      }
    }
    const median = (row: string) =>
      [...results[row]!].sort((a, b) => a - b)[results[row]!.length >> 1]!;
    console.log(
      `Redis, two Deno ${Deno.version.deno} processes, node-redis 5, median of ${ROUNDS} alternating rounds\n`,
    );
    console.log("| case | without a key | with a key | with / without |");
    console.log("| --- | --- | --- | --- |");
    for (
      const [row, label] of [
        ["burst", `${MESSAGES} sends in one loop (sends/s)`],
        ["each", `${MESSAGES / 10} sends, one message each (sends/s)`],
      ]
    ) {
      const keyless = median(`${row} keyless`);
      const signed = median(`${row} signed`);
      console.log(
        `| ${label} | ${keyless.toFixed(0)} | ${signed.toFixed(0)} | ${
          (signed / keyless).toFixed(2)
        }x |`,
      );
    }
    const keyless = median("p50 keyless");
    const signed = median("p50 signed");
    console.log(
      `| p50 round trip, ${ROUND_TRIPS} sends (µs) | ${keyless.toFixed(0)} | ${
        signed.toFixed(0)
      } | +${(signed - keyless).toFixed(0)} µs |`,
    );
  } finally {
    await writer.close().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    for (const { close } of Object.values(byMode)) await close();
    await clients.close();
    await acks.close();
  }
}

if (Deno.args[0] === "--subscriber") {
  await subscriberProcess(Deno.args[1]!);
} else {
  await main();
}
