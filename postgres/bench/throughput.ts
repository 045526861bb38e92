/**
 * Relayed sends over Postgres against a raw `pg_notify` loop with the same
 * payload, in one run, on a Postgres this script starts: throughput until a
 * listener on another connection has heard every message. Two shapes:
 *
 * - burst: all sends in one go (raw: every query handed to one client at
 *   once, which runs them one after another; relayed: the sends of a tick
 *   are coalesced into messages of up to 7,999 bytes);
 * - awaited: one at a time (raw: await each query; relayed: await
 *   `relay.flush()` after each send).
 *
 * Run it with `deno task bench` in `postgres/`. Results: bench/README.md.
 *
 * @module
 */

import type pg from "npm:pg@8.23.1";
import { Signal } from "../../mod.ts";
import { relay } from "../../relay.ts";
import { pgChannel } from "../mod.ts";
import { pgClients } from "../testing/clients.ts";
import { startPostgres } from "../testing/server.ts";

const COUNT = Number(Deno.env.get("BENCH_COUNT") ?? 5_000);
const ROUNDS = 3;
const TIMEOUT_MS = 60_000;
const TEXT = "x".repeat(100);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

await using server = await startPostgres();
await using clients = pgClients(server.url);

// Raw: a listener connection counts notifications; one client notifies.
const rawListener = await clients.client();
let rawHeard = 0;
rawListener.on("notification", () => void rawHeard++);
await rawListener.query('LISTEN "raw"');
const rawNotifier: pg.Client = await clients.client();

async function raw(awaited: boolean): Promise<number> {
  rawHeard = 0;
  const started = performance.now();
  const queries: Promise<unknown>[] = [];
  for (let i = 0; i < COUNT; i++) {
    const query = rawNotifier.query("SELECT pg_notify($1, $2)", [
      "raw",
      JSON.stringify({ i, text: TEXT }),
    ]);
    if (awaited) await query;
    else queries.push(query);
  }
  await Promise.all(queries);
  await until(() => rawHeard === COUNT, "raw notifications");
  return COUNT / ((performance.now() - started) / 1_000);
}

// Relayed: a relay with a client notifier (as raw), heard by a second relay.
const sent = new Signal<{ i: number; text: string }>({ name: "bench" });
const heardSignal = new Signal<{ i: number; text: string }>({ name: "bench" });
let relayedHeard = 0;
heardSignal.connect(() => void relayedHeard++);
const sender = pgChannel({
  listener: clients.listener,
  notifier: await clients.client(),
  channel: "relayed",
});
const receiver = pgChannel({
  listener: clients.listener,
  notifier: clients.notifier,
  channel: "relayed",
});
const onError = (error: Error) => {
  throw error;
};
const a = relay(sender, { signals: [sent], onError });
const b = relay(receiver, { signals: [heardSignal], onError });
await Promise.all([a.ready, b.ready]);

async function relayed(awaited: boolean): Promise<number> {
  relayedHeard = 0;
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    sent.send("db", { i, text: TEXT });
    if (awaited) await a.flush();
  }
  await a.flush();
  await until(() => relayedHeard === COUNT, "relayed sends");
  return COUNT / ((performance.now() - started) / 1_000);
}

// Warm up both paths (JIT, connections) before anything is timed.
for (const awaited of [false, true]) {
  await raw(awaited);
  await relayed(awaited);
}

console.log(
  `| shape   | round | raw pg_notify/s | relayed sends/s | relayed ÷ raw |`,
);
console.log(
  `| ------- | ----- | --------------- | --------------- | ------------- |`,
);
for (const awaited of [false, true]) {
  const ratios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const rawRate = await raw(awaited);
    const relayedRate = await relayed(awaited);
    ratios.push(relayedRate / rawRate);
    console.log(
      `| ${awaited ? "awaited" : "burst  "} | ${round}     | ${
        rawRate.toFixed(0).padStart(15)
      } | ${relayedRate.toFixed(0).padStart(15)} | ${
        (relayedRate / rawRate).toFixed(2).padStart(12)
      }× |`,
    );
  }
  ratios.sort((x, y) => x - y);
  console.log(
    `median ${awaited ? "awaited" : "burst"}: ${
      ratios[Math.floor(ratios.length / 2)]!.toFixed(2)
    }× raw (target >= 0.8×)`,
  );
}

await a.close();
await b.close();
await sender.close();
await receiver.close();
