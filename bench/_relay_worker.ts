/**
 * A worker for `bench/relay_workers.ts`: a source or a sink of one run,
 * over a raw MessagePort, a raw BroadcastChannel, or a relay.
 *
 * @module
 */

import { Signal } from "../mod.ts";
import { type Relay, relay } from "../relay.ts";

/** One run, as the main thread describes it to both workers. */
export interface Run {
  mode: "port" | "broadcast" | "relay";
  /** With mode "relay": the relays sign with this key. */
  key?: string;
  kind: "throughput" | "latency";
  count: number;
  channel: string;
  payload: Record<string, unknown>;
}

interface Scope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
}
const scope = globalThis as unknown as Scope;

// The window of the raw BroadcastChannel loop: Deno 2.9.6 drops messages
// past about 256 queued for a thread, so the raw loop waits for an ack.
const WINDOW = 128;

const ping = new Signal<Record<string, unknown>>({ name: "ping" });
const pong = new Signal<Record<string, unknown>>({ name: "pong" });

scope.onmessage = async (event) => {
  const { role, run, port } = event.data as {
    role: "source" | "sink";
    run: Run;
    port: MessagePort;
  };
  const broadcast = new BroadcastChannel(run.channel);
  let carried: Relay | undefined;
  if (run.mode === "relay") {
    carried = relay(broadcast, {
      signals: [ping, pong],
      ...(run.key === undefined ? {} : { key: run.key }),
    });
    await carried.ready;
  }
  const result = role === "sink"
    ? await sink(run, port, broadcast)
    : await source(run, port, broadcast);
  await carried?.close();
  ping.disconnectAll();
  pong.disconnectAll();
  broadcast.close();
  port.close();
  scope.postMessage(result);
};

function sink(
  run: Run,
  port: MessagePort,
  broadcast: BroadcastChannel,
): Promise<null> {
  let heard = 0;
  const { promise, resolve } = Promise.withResolvers<null>();
  const hear = () => {
    heard++;
    if (run.kind === "latency") {
      if (run.mode === "relay") pong.send("sink", run.payload);
      else if (run.mode === "port") port.postMessage(run.payload);
      else broadcast.postMessage(run.payload);
    } else if (run.mode === "broadcast" && heard % WINDOW === 0) {
      port.postMessage("ack");
    }
    if (heard === run.count) {
      if (run.kind === "throughput") port.postMessage("done");
      resolve(null);
    }
  };
  if (run.mode === "relay") ping.connect(hear);
  else if (run.mode === "port") port.onmessage = hear;
  else broadcast.onmessage = hear;
  port.postMessage("listening");
  return promise;
}

async function source(
  run: Run,
  port: MessagePort,
  broadcast: BroadcastChannel,
): Promise<{ ms?: number; rtts?: number[] }> {
  let onPort: (data: unknown) => void = () => {};
  port.onmessage = (event) => onPort(event.data);
  const next = (what: string) =>
    new Promise<void>((resolve) => {
      onPort = (data) => {
        if (data === what) resolve();
      };
    });
  await next("listening");
  if (run.kind === "throughput") {
    const done = next("done");
    const start = performance.now();
    if (run.mode === "relay") {
      for (let i = 0; i < run.count; i++) ping.send("source", run.payload);
    } else if (run.mode === "port") {
      for (let i = 0; i < run.count; i++) port.postMessage(run.payload);
    } else {
      let acked = 0;
      onPort = (data) => {
        if (data === "ack") acked += WINDOW;
        if (data === "done") finished();
      };
      let finished = () => {};
      const all = new Promise<void>((resolve) => finished = resolve);
      for (let i = 0; i < run.count; i++) {
        while (i - acked >= 2 * WINDOW) {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        broadcast.postMessage(run.payload);
      }
      await all;
      return { ms: performance.now() - start };
    }
    await done;
    return { ms: performance.now() - start };
  }
  const rtts: number[] = [];
  for (let i = 0; i < run.count; i++) {
    const back = Promise.withResolvers<void>();
    const start = performance.now();
    if (run.mode === "relay") {
      using _pong = pong.connect(() => back.resolve());
      ping.send("source", run.payload);
      await back.promise;
    } else if (run.mode === "port") {
      onPort = () => back.resolve();
      port.postMessage(run.payload);
      await back.promise;
    } else {
      broadcast.onmessage = () => back.resolve();
      broadcast.postMessage(run.payload);
      await back.promise;
    }
    rtts.push(performance.now() - start);
  }
  return { rtts };
}
