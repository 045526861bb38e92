/**
 * Property-based fuzzing of what a relay reads from its channel (issue 20):
 * random bytes, random text, random JSON, random structures, wire-shaped
 * messages with poisoned keys, and truncated, bit-flipped and replayed real
 * messages are fed straight into a relay's channel listener. Then:
 *
 * - nothing throws out of the listener, and no promise rejection goes
 *   unhandled;
 * - a relay with a key dispatches nothing that a relay with its key did not
 *   sign, and refuses (`auth`) every message that is not one exactly as
 *   signed; each send of a real message is dispatched or counted as a
 *   duplicate;
 * - every drop is counted: each `decode` or `auth` report has its count;
 * - no prototype changes, and receivers get plain data.
 *
 * `SIGNALRY_FUZZ_RUNS` sets the number of runs (200 by default) of each
 * property; `SIGNALRY_FC_SEED` and `SIGNALRY_FC_PATH` replay a failure. Each
 * property stops after `TIME_LIMIT_MS` however many runs remain.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { Signal } from "./mod.ts";
import { type Relay, relay, type RelayError } from "./relay.ts";
import { fcSettings, unhandledRejections } from "./_test_helpers.ts";
import { HubChannel, settle, until } from "./testing/relay_fake_channel.ts";
import {
  assertNoPollution,
  assertPlain,
  count,
  type Input,
  inputs,
  KEY,
  realMessages,
  RUNS,
  TIME_LIMIT_MS,
  User,
} from "./testing/relay_fuzz.ts";

// Deno 2.9.6: once every BroadcastChannel of a thread is closed, the next
// ones created throw "expected i32" from postMessage after a tick. One
// channel kept open for the whole file keeps that from happening here.
const KEEP_ALIVE = new BroadcastChannel("signalry-keep-alive");
// Node and Bun would wait for it at exit.
(KEEP_ALIVE as { unref?: () => void }).unref?.();

interface Victim {
  readonly relay: Relay;
  readonly channel: HubChannel;
  readonly errors: RelayError[];
  /** The ids of the sends dispatched, in order. */
  readonly heard: number[];
  readonly close: () => Promise<void>;
}

function victim(key: string | undefined): Victim {
  const channel = new HubChannel();
  const errors: RelayError[] = [];
  const heard: number[] = [];
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const other = new Signal<Record<string, unknown>, unknown>({ name: "other" });
  for (const signal of [saved, other]) {
    signal.connect(({ signal: _signal, sender: _sender, ...params }) => {
      // A throw here is a "receiver" report, which the properties rule out.
      assertPlain(params, "params");
      heard.push(params.id as number);
    });
  }
  const carried = relay(channel, {
    signals: [saved, other],
    senders: { User },
    onError: (error) => void errors.push(error),
    ...(key === undefined ? {} : { key }),
  });
  return {
    relay: carried,
    channel,
    errors,
    heard,
    close: () => carried.close(),
  };
}

/** Feeds every input; a throw out of the listener fails the run. */
function feed(target: Victim, fed: readonly Input[]): void {
  for (const { data } of fed) {
    try {
      target.channel.feed(data);
    } catch (error) {
      throw new Error(`The relay's listener threw on ${String(data)}`, {
        cause: error,
      });
    }
  }
}

const real = await realMessages();
const SIGNED_IDS = real.ids;

Deno.test("relay() with a key, fed random and mutated messages, dispatches only what its key signed and counts every refusal", async () => {
  const unhandled = await unhandledRejections(async () => {
    await fc.assert(
      fc.asyncProperty(inputs(real.signed), async (fed) => {
        const target = victim(KEY);
        try {
          await target.relay.ready;
          feed(target, fed);
          const refused = fed.filter((input) => !input.real).length;
          const sends = fed.filter((input) => input.real)
            .reduce(
              (sum, { data }) => sum + real.sends.get(data as string)!,
              0,
            );
          await until(
            () =>
              target.relay.stats.rejected === refused &&
              target.relay.stats.received + target.relay.stats.duplicates ===
                sends,
            "every input accounted for",
            5_000,
          );
          await settle(2);
          const { stats } = target.relay;
          assertEquals(stats.rejected, refused);
          assertEquals(stats.received + stats.duplicates, sends);
          assertEquals(stats.dropped, 0);
          assertEquals(count(target.errors, "auth"), refused);
          assertEquals(count(target.errors, "decode"), 0);
          assertEquals(count(target.errors, "receiver"), 0);
          assertEquals(target.heard.length, stats.received);
          for (const id of target.heard) assert(SIGNED_IDS.has(id), `id ${id}`);
          assertNoPollution();
        } finally {
          await target.close();
        }
      }),
      {
        ...fcSettings(RUNS),
        numRuns: RUNS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      },
    );
  });
  assertEquals(unhandled, []);
});

Deno.test("relay() without a key, fed random and mutated messages, never throws, counts every drop, and keeps prototypes unchanged", async () => {
  const unhandled = await unhandledRejections(async () => {
    await fc.assert(
      fc.asyncProperty(inputs(real.unsigned), async (fed) => {
        const target = victim(undefined);
        try {
          feed(target, fed);
          await settle(1);
          const { stats } = target.relay;
          assertEquals(count(target.errors, "decode"), stats.dropped);
          assertEquals(count(target.errors, "auth"), 0);
          assertEquals(count(target.errors, "receiver"), 0);
          assertEquals(count(target.errors, "gap"), stats.gaps);
          assertEquals(target.heard.length, stats.received);
          // Every real message, as posted, is dispatched or a duplicate.
          const realSends = fed.filter((input) => input.real)
            .reduce(
              (sum, { data }) => sum + real.sends.get(data as string)!,
              0,
            );
          assert(stats.received + stats.duplicates >= realSends);
          assertNoPollution();
        } finally {
          await target.close();
        }
      }),
      {
        ...fcSettings(RUNS),
        numRuns: RUNS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      },
    );
  });
  assertEquals(unhandled, []);
});

Deno.test("relay() with a key, fed random and mutated messages over a real BroadcastChannel, dispatches only what its key signed", async () => {
  const runs = Math.max(1, Math.round(RUNS / 10));
  const unhandled = await unhandledRejections(async () => {
    await fc.assert(
      fc.asyncProperty(inputs(real.signed), async (fed) => {
        const name = `fuzz-${crypto.randomUUID()}`;
        const channel = new BroadcastChannel(name);
        const rogue = new BroadcastChannel(name);
        const errors: RelayError[] = [];
        const heard: number[] = [];
        const saved = new Signal<Record<string, unknown>, unknown>({
          name: "saved",
        });
        const other = new Signal<Record<string, unknown>, unknown>({
          name: "other",
        });
        for (const signal of [saved, other]) {
          signal.connect((args) => void heard.push(args.id as number));
        }
        const carried = relay(channel, {
          signals: [saved, other],
          senders: { User },
          key: KEY,
          onError: (error) => void errors.push(error),
        });
        try {
          await carried.ready;
          let refused = 0;
          let sends = 0;
          for (const { data, real: isReal } of fed) {
            try {
              rogue.postMessage(data);
            } catch {
              continue; // not structured-cloneable: never reaches the relay
            }
            if (isReal) sends += real.sends.get(data as string)!;
            else refused++;
          }
          await until(
            () =>
              carried.stats.rejected === refused &&
              carried.stats.received + carried.stats.duplicates === sends,
            "every input accounted for",
            5_000,
          );
          assertEquals(carried.stats.dropped, 0);
          assertEquals(count(errors, "auth"), refused);
          for (const id of heard) assert(SIGNED_IDS.has(id), `id ${id}`);
          assertNoPollution();
        } finally {
          await carried.close();
          channel.close();
          rogue.close();
        }
      }),
      {
        ...fcSettings(runs),
        numRuns: runs,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      },
    );
  });
  assertEquals(unhandled, []);
});
