/**
 * What signing costs a relay (issue 20): relayed sends with a key against
 * the same sends without one, same payload, over BroadcastChannel, ratios
 * from one run (`deno task bench:signed`).
 *
 * Both relays run in this one thread, so the sender's HMAC and the
 * receiver's verification add up rather than overlap as they would across
 * workers or processes: the ratios are a lower bound.
 *
 * - burst: 20,000 sends in one tick, coalesced into a few messages, until
 *   the other relay has dispatched them all;
 * - awaited: 20,000 sends with an `await` between each, as a loop of
 *   `await db.save()` would send them (the relay coalesces these too);
 * - one message per send: 5,000 sends, each flushed before the next, so
 *   every send pays a whole message's HMAC and verification: the worst case;
 * - latency: 1,000 round trips (a send, and a send back), p50 of half.
 *
 * Each row runs `ROUNDS` times, interleaved, and the best is kept: a shared
 * machine only ever adds time.
 *
 * @module
 */

import { Signal } from "../mod.ts";
import { relay } from "../relay.ts";

// Deno 2.9.6: once every BroadcastChannel of a thread is closed, the next
// ones created throw "expected i32" from postMessage after a tick. One
// channel kept open for the whole run keeps that from happening here.
const KEEP_ALIVE = new BroadcastChannel("signalry-keep-alive");
const ROUNDS = 9;
/** Sends per run, by kind: each run lasts tens of milliseconds at least. */
const COUNTS = { burst: 20_000, awaited: 20_000, paced: 5_000 } as const;
const ROUND_TRIPS = 1_000;
const KEY = "bench: a shared secret of 32+ characters";
const payload = {
  id: 12345,
  name: "user-12345",
  email: "user-12345@example.com",
  tags: ["admin", "beta"],
  updatedAt: 1_700_000_000_000,
};

type Kind = "burst" | "awaited" | "paced" | "latency";

async function once(kind: Kind, key: string | undefined): Promise<number> {
  const name = `bench-signed-${crypto.randomUUID()}`;
  const pingHere = new Signal<typeof payload>({ name: "ping" });
  const pongHere = new Signal<typeof payload>({ name: "pong" });
  const pingThere = new Signal<typeof payload>({ name: "ping" });
  const pongThere = new Signal<typeof payload>({ name: "pong" });
  const channels = [new BroadcastChannel(name), new BroadcastChannel(name)];
  const options = key === undefined ? {} : { key };
  const here = relay(channels[0]!, {
    signals: [pingHere, pongHere],
    ...options,
  });
  const there = relay(channels[1]!, {
    signals: [pingThere, pongThere],
    ...options,
  });
  await Promise.all([here.ready, there.ready]);
  try {
    if (kind === "latency") {
      pingThere.connect(() => void pongThere.send("there", payload));
      const times: number[] = [];
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const back = Promise.withResolvers<void>();
        using _pong = pongHere.connect(() => back.resolve());
        const start = performance.now();
        pingHere.send("here", payload);
        await back.promise;
        times.push((performance.now() - start) / 2);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    }
    const count = COUNTS[kind];
    let heard = 0;
    const all = Promise.withResolvers<void>();
    pingThere.connect(() => {
      if (++heard === count) all.resolve();
    });
    const start = performance.now();
    if (kind === "burst") {
      for (let i = 0; i < count; i++) pingHere.send("here", payload);
    } else if (kind === "awaited") {
      for (let i = 0; i < count; i++) {
        pingHere.send("here", payload);
        await null;
      }
    } else {
      for (let i = 0; i < count; i++) {
        pingHere.send("here", payload);
        await here.flush();
      }
    }
    await all.promise;
    return performance.now() - start;
  } finally {
    await here.close();
    await there.close();
    for (const channel of channels) channel.close();
  }
}

const best: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of ["burst", "awaited", "paced", "latency"] as const) {
    for (const key of [undefined, KEY]) {
      const row = `${kind} ${key === undefined ? "keyless" : "key"}`;
      best[row] = Math.min(best[row] ?? Infinity, await once(kind, key));
    }
  }
}

const rate = (kind: Kind, signed: boolean) =>
  COUNTS[kind as keyof typeof COUNTS] /
  best[`${kind} ${signed ? "key" : "keyless"}`]! * 1000;
console.log(
  `Deno ${Deno.version.deno}, one thread, best of ${ROUNDS} (sends/s, p50 one-way latency)`,
);
console.log("| case | without a key | with a key | with / without |");
console.log("| --- | --- | --- | --- |");
const LABELS = {
  burst: `${COUNTS.burst} sends in one tick`,
  awaited: `${COUNTS.awaited} sends, an await between each`,
  paced: `${COUNTS.paced} sends, one message each (flush())`,
};
for (const kind of ["burst", "awaited", "paced"] as const) {
  console.log(
    `| ${LABELS[kind]} | ${
      Math.round(rate(kind, false)).toLocaleString("en")
    } | ${Math.round(rate(kind, true)).toLocaleString("en")} | ${
      (rate(kind, true) / rate(kind, false)).toFixed(2)
    }x |`,
  );
}
const keyless = best["latency keyless"]! * 1000;
const keyed = best["latency key"]! * 1000;
console.log(
  `| p50 latency, ${ROUND_TRIPS} round trips | ${keyless.toFixed(0)} µs | ${
    keyed.toFixed(0)
  } µs | +${(keyed - keyless).toFixed(0)} µs |`,
);
KEEP_ALIVE.close();
