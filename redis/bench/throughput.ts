/**
 * Relayed sends over Redis against the raw transport, same payload, into a
 * subscriber in another process (a Deno process this script starts):
 *
 * - throughput: N sends of a carried Signal in one loop (the relay coalesces
 *   one tick's sends into few PUBLISHes) against N pipelined PUBLISHes of
 *   the same params encoded by the same codec, one per message; timed from
 *   the first send until the subscriber process has heard all N;
 * - latency: a round trip, one message at a time: the subscriber answers
 *   each message it hears with a raw PUBLISH on another channel, so both
 *   modes share the way back and the difference is the relay's.
 *
 * Ratios come from one run; rounds alternate the modes. Run it with
 * `deno task bench` in `redis/` (it starts its own redis-server);
 * BENCH_LIBRARY=ioredis (or redis@4) picks the clients, redis@5 by default.
 *
 * @module
 */

import { Signal } from "../../mod.ts";
import { relay } from "../../relay.ts";
import { devalueCodec, redisChannel } from "../mod.ts";
import { connectPair, type Library } from "../testing/clients.ts";
import { startRedis } from "../testing/server.ts";

const MESSAGES = Number(Deno.env.get("BENCH_MESSAGES") ?? 20_000);
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 3);
const ROUND_TRIPS = Number(Deno.env.get("BENCH_ROUND_TRIPS") ?? 500);
const LIBRARY = (Deno.env.get("BENCH_LIBRARY") ?? "redis@5") as Library;
const LIMIT_MS = 60_000;
const params = (id: number) => ({ id, table: "users", at: new Date(0) });

type Mode = "raw" | "relay";

/** A raw subscription with either library's client. */
async function subscribeRaw(
  client: unknown,
  channel: string,
  listener: (text: string) => void,
): Promise<void> {
  if (typeof (client as { status?: unknown }).status === "string") {
    const io = client as {
      on(
        event: "message",
        listener: (channel: string, text: string) => void,
      ): void;
      subscribe(channel: string): Promise<unknown>;
    };
    io.on("message", (heard, text) => {
      if (heard === channel) listener(text);
    });
    await io.subscribe(channel);
  } else {
    await (client as {
      subscribe(
        channel: string,
        listener: (text: string) => void,
      ): Promise<unknown>;
    }).subscribe(channel, listener);
  }
}

async function subscriberProcess(url: string): Promise<void> {
  const clients = await connectPair(LIBRARY, url);
  const publisher = clients.publisher as unknown as {
    publish(channel: string, message: string): Promise<unknown>;
  };
  const out = (line: string) => console.log(line);
  let expected = 0;
  let heard = 0;
  const hear = (answer: boolean) => {
    heard++;
    if (answer) publisher.publish("ack", String(heard));
    else if (heard === expected) out("done");
  };
  let answering = false;
  await subscribeRaw(clients.subscriber, "raw", (text) => {
    devalueCodec.decode(text); // The same decoding work as the relay does.
    hear(answering);
  });
  const saved = new Signal<ReturnType<typeof params>>({ name: "saved" });
  saved.connect(() => hear(answering));
  const channel = redisChannel({
    publisher: clients.publisher,
    subscriber: (await connectPair(LIBRARY, url)).subscriber,
    channel: "relayed",
  });
  const carrier = relay(channel, { signals: [saved] });
  await carrier.ready;
  out("ready");
  for await (
    const line of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  ) {
    for (const command of line.split("\n").filter(Boolean)) {
      const [what, count] = command.split(" ");
      heard = 0;
      expected = Number(count);
      answering = what === "answer";
      out("armed");
    }
  }
}

async function main(): Promise<void> {
  await using server = await startRedis();
  await using clients = await connectPair(LIBRARY, server.url);
  const ackClients = await connectPair(LIBRARY, server.url);
  const publisher = clients.publisher as unknown as {
    publish(channel: string, message: string): Promise<unknown>;
  };
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
  try {
    if ((await nextLine()) !== "ready") throw new Error("subscriber not ready");
    const saved = new Signal<ReturnType<typeof params>>({ name: "saved" });
    const channel = redisChannel({
      publisher: clients.publisher,
      subscriber: clients.subscriber,
      channel: "relayed",
    });
    await using carrier = relay(channel, { signals: [saved] });
    await carrier.ready;

    const throughput = async (mode: Mode): Promise<number> => {
      await command(`count ${MESSAGES}`);
      const started = performance.now();
      if (mode === "raw") {
        const published: Promise<unknown>[] = [];
        for (let i = 0; i < MESSAGES; i++) {
          published.push(
            publisher.publish("raw", devalueCodec.encode(params(i))),
          );
        }
        await Promise.all(published);
      } else {
        for (let i = 0; i < MESSAGES; i++) saved.send("db", params(i));
        await carrier.flush();
      }
      if ((await nextLine()) !== "done") {
        throw new Error("subscriber lost count");
      }
      return MESSAGES / ((performance.now() - started) / 1000);
    };

    let onAck: () => void = () => {};
    await subscribeRaw(ackClients.subscriber, "ack", () => onAck());

    const roundTrips = async (mode: Mode): Promise<number[]> => {
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
        if (mode === "raw") {
          publisher.publish("raw", devalueCodec.encode(params(i)));
        } else {
          saved.send("db", params(i));
        }
        await acked;
        times.push((performance.now() - started) * 1000);
      }
      return times.sort((a, b) => a - b);
    };

    const rows: string[] = [];
    const ratios: number[] = [];
    const p50s: Record<Mode, number[]> = { raw: [], relay: [] };
    await throughput("raw"); // Warm up both paths.
    await throughput("relay");
    for (let round = 0; round < ROUNDS; round++) {
      const raw = await throughput("raw");
      const relayed = await throughput("relay");
      ratios.push(relayed / raw);
      const rawTrips = await roundTrips("raw");
      const relayTrips = await roundTrips("relay");
      p50s.raw.push(rawTrips[rawTrips.length >> 1]!);
      p50s.relay.push(relayTrips[relayTrips.length >> 1]!);
      rows.push(
        `| ${round + 1} | ${raw.toFixed(0)} | ${relayed.toFixed(0)} | ${
          (relayed / raw).toFixed(2)
        }× | ${p50s.raw.at(-1)!.toFixed(0)} | ${
          p50s.relay.at(-1)!.toFixed(0)
        } | ${(p50s.relay.at(-1)! - p50s.raw.at(-1)!).toFixed(0)} |`,
      );
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[values.length >> 1]!;
    console.log(
      `Redis ${MESSAGES} sends per throughput run, ${ROUND_TRIPS} round trips per latency run, ${LIBRARY}, Deno ${Deno.version.deno}\n`,
    );
    console.log(
      "| round | raw PUBLISH/s | relayed sends/s | relayed ÷ raw | raw p50 RTT µs | relayed p50 RTT µs | difference µs |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const row of rows) console.log(row);
    console.log(
      `\nmedian: throughput ${
        median(ratios).toFixed(2)
      }× raw (target ≥ 1.0×); p50 round trip ${
        (median(p50s.relay) - median(p50s.raw)).toFixed(0)
      } µs above raw (target ≤ 50 µs)`,
    );
  } finally {
    await writer.close().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await ackClients.close();
  }
}

if (Deno.args[0] === "--subscriber") {
  await subscriberProcess(Deno.args[1]!);
} else {
  await main();
}
