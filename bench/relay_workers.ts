/**
 * The relay between two workers against the raw transport, same payload,
 * ratios from one run (`deno task bench:relay`):
 *
 * - throughput: 20,000 sends from one worker to another, relayed over a
 *   BroadcastChannel, against a raw `postMessage` loop over a MessagePort,
 *   and against a raw BroadcastChannel loop (which must wait for acks every
 *   128 messages: Deno 2.9.6 drops messages past about 256 queued);
 * - latency: 1,000 round trips, half of each as the one-way time, p50;
 * - both again with relays that sign every message (`key`): the row
 *   "signed".
 *
 * Each row runs `ROUNDS` times, interleaved, and the best is kept: a shared
 * machine only ever adds time.
 *
 * @module
 */

import type { Run } from "./_relay_worker.ts";

const ROUNDS = 5;
const THROUGHPUT = 20_000;
const LATENCY = 1_000;
const payload = {
  id: 12345,
  name: "user-12345",
  email: "user-12345@example.com",
  tags: ["admin", "beta"],
  updatedAt: 1_700_000_000_000,
};

async function once(run: Omit<Run, "channel" | "payload">) {
  const worker = () =>
    new Worker(new URL("./_relay_worker.ts", import.meta.url), {
      type: "module",
    });
  const source = worker();
  const sink = worker();
  const { port1, port2 } = new MessageChannel();
  const full: Run = {
    ...run,
    channel: `signalry-bench-${crypto.randomUUID()}`,
    payload,
  };
  const answer = (w: Worker) =>
    new Promise<{ ms?: number; rtts?: number[] }>((resolve) =>
      w.onmessage = (event) => resolve(event.data)
    );
  const results = Promise.all([answer(source), answer(sink)]);
  sink.postMessage({ role: "sink", run: full, port: port2 }, [port2]);
  source.postMessage({ role: "source", run: full, port: port1 }, [port1]);
  const [result] = await results;
  source.terminate();
  sink.terminate();
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const modes = ["port", "broadcast", "relay", "signed"] as const;
const KEY = "bench: a shared secret of 32+ characters";
const best: Record<string, number> = {};
const p50: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const row of modes) {
    const mode = row === "signed" ? "relay" : row;
    const key = row === "signed" ? { key: KEY } : {};
    const { ms } = await once({
      mode,
      kind: "throughput",
      count: THROUGHPUT,
      ...key,
    });
    best[row] = Math.min(best[row] ?? Infinity, ms!);
    const { rtts } = await once({
      mode,
      kind: "latency",
      count: LATENCY,
      ...key,
    });
    p50[row] = Math.min(p50[row] ?? Infinity, median(rtts!) / 2);
  }
}

const rate = (mode: string) => THROUGHPUT / best[mode]! * 1000;
console.log(
  `Deno ${Deno.version.deno}, ${THROUGHPUT} sends, ${LATENCY} round trips, best of ${ROUNDS}`,
);
console.log("| transport | sends/s | p50 one-way latency |");
console.log("| --- | --- | --- |");
for (const mode of modes) {
  console.log(
    `| ${mode} | ${Math.round(rate(mode)).toLocaleString("en")} | ${
      (p50[mode]! * 1000).toFixed(0)
    } µs |`,
  );
}
console.log(
  `relay throughput / raw MessagePort loop: ${
    (rate("relay") / rate("port")).toFixed(2)
  }x; / raw BroadcastChannel loop: ${
    (rate("relay") / rate("broadcast")).toFixed(2)
  }x`,
);
console.log(
  `relay p50 latency - raw MessagePort p50: ${
    ((p50.relay! - p50.port!) * 1000).toFixed(0)
  } µs; - raw BroadcastChannel p50: ${
    ((p50.relay! - p50.broadcast!) * 1000).toFixed(0)
  } µs`,
);
console.log(
  `signed relay throughput / relay: ${
    (rate("signed") / rate("relay")).toFixed(2)
  }x; p50 latency, signed - relay: ${
    ((p50.signed! - p50.relay!) * 1000).toFixed(0)
  } µs`,
);
