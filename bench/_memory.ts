/**
 * Bytes a connected receiver keeps alive, for signalry and each peer:
 * connect many receivers, send once so lazy caches exist, collect garbage,
 * read the heap, drop the emitter, collect and read again, and divide the
 * difference by the count. Runtime-neutral: `memory.ts`
 * (Deno) and `node/memory.mjs` (Node, Bun) pass in how to collect garbage
 * and read the heap.
 *
 * @module
 */

import type { Libraries, Listener, NamedPeer, Payload } from "./_scenarios.ts";

/** How a runtime collects garbage and reads its heap. */
export interface HeapProbe {
  gc(): void;
  heapUsed(): number;
}

/** Bytes per receiver, connected for any sender and each for its own sender. */
export interface MemoryRow {
  readonly name: string;
  readonly anySender: number;
  readonly perSender: number;
}

const PAYLOAD: Payload = { value: 42 };

/** Keeps what a measurement built alive until the heap was read. */
let held: unknown;

/** What the last measurement kept alive, for a reader outside. */
export function lastHeld(): unknown {
  return held;
}
let calls = 0;

/** Receivers, senders and sender names, built before the first heap reading. */
interface Inputs {
  readonly receivers: Listener[];
  readonly senders: object[];
  readonly names: string[];
}

function makeInputs(count: number): Inputs {
  return {
    receivers: Array.from({ length: count }, () => (arg: unknown) => {
      held = arg;
      return ++calls;
    }),
    senders: Array.from({ length: count }, (_, id) => ({ id })),
    names: Array.from({ length: count }, (_, id) => `sender${id}`),
  };
}

/** A way to connect every receiver, and to send so that every one runs (awaited if async). */
interface Subject {
  readonly name: string;
  /** Every receiver for any sender; one send. */
  anySender(inputs: Inputs): unknown;
  /** Receiver i for sender i; one send from every sender. */
  perSender(inputs: Inputs): unknown;
}

function subjects(libraries: Libraries): Subject[] {
  const named = (peer: NamedPeer): Subject => ({
    name: peer,
    anySender({ receivers }) {
      const emitter = libraries.named[peer]();
      for (const receiver of receivers) emitter.on("event", receiver);
      emitter.emit("event", PAYLOAD);
      return emitter;
    },
    perSender({ receivers, names }) {
      const emitter = libraries.named[peer]();
      names.forEach((name, i) => emitter.on(name, receivers[i]!));
      for (const name of names) emitter.emit(name, PAYLOAD);
      return emitter;
    },
  });
  return [
    {
      name: "limit: array / WeakMap of arrays",
      anySender({ receivers }) {
        const list = receivers.slice();
        for (const receiver of list) receiver(PAYLOAD);
        return list;
      },
      perSender({ receivers, senders }) {
        const lists = new WeakMap<object, Listener[]>();
        senders.forEach((sender, i) => lists.set(sender, [receivers[i]!]));
        for (const sender of senders) {
          for (const receiver of lists.get(sender)!) receiver(PAYLOAD);
        }
        return lists;
      },
    },
    {
      name: "signalry",
      anySender({ receivers }) {
        const signal = new libraries.Signal<Payload, object, number>();
        for (const receiver of receivers) signal.connect(receiver);
        signal.send({}, PAYLOAD);
        return signal;
      },
      perSender({ receivers, senders }) {
        const signal = new libraries.Signal<Payload, object, number>();
        senders.forEach((sender, i) =>
          signal.connect(receivers[i]!, { sender })
        );
        for (const sender of senders) signal.send(sender, PAYLOAD);
        return signal;
      },
    },
    named("eventemitter3"),
    named("tseep"),
    named("mitt"),
    named("node:events"),
    {
      name: "nanoevents",
      anySender({ receivers }) {
        const emitter = libraries.nanoevents();
        for (const receiver of receivers) emitter.on("event", receiver);
        emitter.emit("event", PAYLOAD);
        return emitter;
      },
      perSender({ receivers, names }) {
        const emitter = libraries.nanoevents();
        names.forEach((name, i) => emitter.on(name, receivers[i]!));
        for (const name of names) emitter.emit(name, PAYLOAD);
        return emitter;
      },
    },
    {
      name: "typed-signals",
      anySender({ receivers }) {
        const signal = libraries.typedSignal();
        for (const receiver of receivers) signal.connect(receiver);
        signal.emit(PAYLOAD);
        return signal;
      },
      // No senders: a Signal per sender, found through a WeakMap.
      perSender({ receivers, senders }) {
        const signals = new WeakMap<
          object,
          ReturnType<Libraries["typedSignal"]>
        >();
        senders.forEach((sender, i) => {
          const signal = libraries.typedSignal();
          signal.connect(receivers[i]!);
          signals.set(sender, signal);
        });
        for (const sender of senders) signals.get(sender)!.emit(PAYLOAD);
        return signals;
      },
    },
    {
      name: "emittery",
      async anySender({ receivers }) {
        const emitter = libraries.emittery();
        for (const receiver of receivers) emitter.on("event", receiver);
        await emitter.emit("event", PAYLOAD);
        return emitter;
      },
      async perSender({ receivers, names }) {
        const emitter = libraries.emittery();
        names.forEach((name, i) => emitter.on(name, receivers[i]!));
        for (const name of names) await emitter.emit(name, PAYLOAD);
        return emitter;
      },
    },
  ];
}

/**
 * Collects garbage after a macrotask: Bun keeps an awaited value alive until
 * its microtask queue has drained.
 */
async function fullGc(probe: HeapProbe): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < 3; i++) probe.gc();
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Keeps the subject in `held` only: no register of the caller refers to it. */
async function hold(
  connect: (inputs: Inputs) => unknown,
  inputs: Inputs,
): Promise<void> {
  held = await connect(inputs);
}

/**
 * What one try's subject keeps alive, per receiver: the heap with it, less
 * the heap once it is dropped. Reading after dropping, rather than before
 * connecting, leaves out garbage an earlier try left behind: Bun gave
 * negative growth the other way. A
 * function of its own, so that no caller's register holds the subject.
 */
async function oneTry(
  probe: HeapProbe,
  count: number,
  connect: (inputs: Inputs) => unknown,
): Promise<number> {
  const inputs = makeInputs(count);
  calls = 0;
  await hold(connect, inputs);
  await fullGc(probe);
  const withSubject = probe.heapUsed();
  // Every receiver ran once: no row left receivers out.
  if (calls !== count) {
    throw new Error(`Memory row ran ${calls} receivers, expected ${count}`);
  }
  held = undefined;
  await fullGc(probe);
  const withoutSubject = probe.heapUsed();
  // The inputs stay alive through both readings, so neither counts them.
  held = inputs;
  held = undefined;
  return (withSubject - withoutSubject) / count;
}

/** Heap growth per receiver of one way of connecting; the median of `repeats` tries. */
async function bytesPerReceiver(
  probe: HeapProbe,
  count: number,
  repeats: number,
  connect: (inputs: Inputs) => unknown,
): Promise<number> {
  const tries: number[] = [];
  for (let i = 0; i < repeats; i++) {
    tries.push(await oneTry(probe, count, connect));
  }
  return median(tries);
}

/**
 * Measures every subject with `count` receivers, connected for any sender
 * and for one sender each.
 */
export async function measureMemory(
  libraries: Libraries,
  probe: HeapProbe,
  count = 100_000,
  repeats = 5,
): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const subject of subjects(libraries)) {
    const measure = (connect: (inputs: Inputs) => unknown) =>
      bytesPerReceiver(probe, count, repeats, connect);
    rows.push({
      name: subject.name,
      anySender: await measure((inputs) => subject.anySender(inputs)),
      perSender: await measure((inputs) => subject.perSender(inputs)),
    });
  }
  return rows;
}

/** A Markdown table of bytes per receiver and each one over the leanest peer's. */
export function memoryTable(rows: readonly MemoryRow[]): string {
  const peers = rows.filter((row) =>
    !row.name.startsWith("limit") && row.name !== "signalry"
  );
  const leanestAny = Math.min(...peers.map((row) => row.anySender));
  const leanestPer = Math.min(...peers.map((row) => row.perSender));
  const lines = [
    "| row | any sender (B/receiver) | ÷ leanest peer | per sender (B/receiver) | ÷ leanest peer |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${row.anySender.toFixed(1)} | ${
        (row.anySender / leanestAny).toFixed(2)
      } | ${row.perSender.toFixed(1)} | ${
        (row.perSender / leanestPer).toFixed(2)
      } |`,
    );
  }
  return lines.join("\n");
}
