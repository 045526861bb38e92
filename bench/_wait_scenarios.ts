/**
 * The rows that wait for sends instead of receiving them: `for await` over
 * `events()` against `node:events`' `on()` and emittery's `events()`, and
 * the `next()` round trip against `events.once()` and emittery's `once()`.
 * Runtime-neutral like `_scenarios.ts`, whose receiver body, groups and
 * checks they share: `wait_bench.ts` times them in Deno, `node/run.mjs`
 * under Node and Bun.
 *
 * One timed call is {@linkcode WAIT_SENDS} sends, each taken by one
 * consumer whose loop body is the shared receiver body (it keeps the
 * argument and counts), so a call's check expects that many calls. Every
 * row starts listening inside the call and stops at its end, as a consumer
 * that comes and goes would; its check also proves nothing listens after.
 *
 * Each row spells out its own loop rather than sharing a helper: a helper
 * that saw every library's iterator would make the engine's inline caches
 * megamorphic and slow every row down alike.
 *
 * @module
 */

import {
  expectCalls,
  Group,
  keep,
  type Libraries,
  makeReceiver,
  PAYLOAD,
  type Payload,
  type Row,
  SENDER,
} from "./_scenarios.ts";

/** How many sends one timed call of a waiting row delivers. */
export const WAIT_SENDS = 100;

/** Adds a row whose call must deliver `count` sends and leave nobody listening. */
function addWaiting(
  group: Group,
  name: string,
  count: number,
  fn: () => Promise<void>,
  listeners: () => number,
): void {
  const row = `${group.name} / ${name}`;
  const deliversAll = expectCalls(row, count, fn);
  group.addChecked(name, fn, async () => {
    await deliversAll();
    if (listeners() !== 0) {
      throw new Error(
        `Bench row "${row}" is wrong: it still listens after its call`,
      );
    }
  });
}

/**
 * The least an async iterator of sends can do, the limit of the `events()`
 * rows: what was heard and not yet taken in an array read from a head index
 * (never shifted), at most one pending `next()`, a resolved promise per
 * buffered take.
 */
class LimitQueue implements AsyncIterableIterator<unknown> {
  #heard: unknown[] = [];
  #head = 0;
  #taker: ((result: IteratorResult<unknown>) => void) | undefined = undefined;

  hear(value: unknown): void {
    const taker = this.#taker;
    if (taker === undefined) {
      this.#heard.push(value);
    } else {
      this.#taker = undefined;
      taker({ value, done: false });
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#head < this.#heard.length) {
      const value = this.#heard[this.#head++];
      if (this.#head === this.#heard.length) {
        this.#heard.length = this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve) => {
      this.#taker = resolve;
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    this.#heard.length = this.#head = 0;
    this.#taker = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The least a send to one waiting consumer can do: build the receiver
 * argument, hand it over, return the (empty) responses.
 */
function limitSend(queue: LimitQueue, signal: unknown): void {
  queue.hear({ signal, sender: SENDER, ...PAYLOAD });
  keep([]);
}

/**
 * `for await` over an iterator that heard `count` sends before the loop
 * began: the consumer fell behind and drains the buffer.
 */
export function bufferedEventsRows(
  libraries: Libraries,
  count: number = WAIT_SENDS,
): Row[] {
  const group = new Group(`events(): ${count} sends, then for await`);
  const receive = makeReceiver();
  const signal = new libraries.Signal<Payload, object, number>();

  addWaiting(group, "limit: hand-written queue", count, async () => {
    const queue = new LimitQueue();
    for (let i = 0; i < count; i++) limitSend(queue, signal);
    let taken = 0;
    for await (const args of queue) {
      receive(args);
      if (++taken === count) break;
    }
  }, () => 0);

  addWaiting(group, "signalry events()", count, async () => {
    const events = signal.events();
    for (let i = 0; i < count; i++) keep(signal.send(SENDER, PAYLOAD));
    let taken = 0;
    for await (const args of events) {
      receive(args);
      if (++taken === count) break;
    }
  }, () => signal.hasReceivers(SENDER) ? 1 : 0);

  const { nodeEvents } = libraries;
  const emitter = nodeEvents.emitter();
  addWaiting(group, "node:events on()", count, async () => {
    const events = nodeEvents.on(emitter, "event");
    for (let i = 0; i < count; i++) emitter.emit("event", PAYLOAD);
    let taken = 0;
    for await (const [arg] of events) {
      receive(arg);
      if (++taken === count) break;
    }
  }, () => emitter.listenerCount("event"));

  const emittery = libraries.emittery();
  addWaiting(group, "emittery events()", count, async () => {
    const events = emittery.events("event");
    // Its emit() queues the event for iterators before it returns.
    for (let i = 0; i < count; i++) emittery.emit("event", PAYLOAD);
    let taken = 0;
    for await (const event of events) {
      receive(event);
      if (++taken === count) break;
    }
  }, () => emittery.listenerCount("event"));
  return group.rows;
}

/** Settled, so that `.then(send)` runs `send` as soon as the current job ends. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * `for await` over an iterator that is waiting whenever a send comes: the
 * loop body schedules the next send on a settled promise, which runs only
 * after `for await` has asked for the next value. Every row pays that
 * promise job; not `queueMicrotask()`, which Node wraps in an AsyncResource
 * (about 70 ns more a turn on Node 20, two thirds of the limit row's time).
 */
export function turnEventsRows(
  libraries: Libraries,
  count: number = WAIT_SENDS,
): Row[] {
  const group = new Group(`events(): for await, ${count} sends one per turn`);
  const receive = makeReceiver();
  const signal = new libraries.Signal<Payload, object, number>();

  addWaiting(group, "limit: hand-written queue", count, async () => {
    const queue = new LimitQueue();
    const sendOne = () => limitSend(queue, signal);
    void SETTLED.then(sendOne);
    let taken = 0;
    for await (const args of queue) {
      receive(args);
      if (++taken === count) break;
      void SETTLED.then(sendOne);
    }
  }, () => 0);

  const sendOne = () => keep(signal.send(SENDER, PAYLOAD));
  addWaiting(group, "signalry events()", count, async () => {
    const events = signal.events();
    void SETTLED.then(sendOne);
    let taken = 0;
    for await (const args of events) {
      receive(args);
      if (++taken === count) break;
      void SETTLED.then(sendOne);
    }
  }, () => signal.hasReceivers(SENDER) ? 1 : 0);

  const { nodeEvents } = libraries;
  const emitter = nodeEvents.emitter();
  const emitOne = () => emitter.emit("event", PAYLOAD);
  addWaiting(group, "node:events on()", count, async () => {
    const events = nodeEvents.on(emitter, "event");
    void SETTLED.then(emitOne);
    let taken = 0;
    for await (const [arg] of events) {
      receive(arg);
      if (++taken === count) break;
      void SETTLED.then(emitOne);
    }
  }, () => emitter.listenerCount("event"));

  const emittery = libraries.emittery();
  const emitteryOne = () => void emittery.emit("event", PAYLOAD);
  addWaiting(group, "emittery events()", count, async () => {
    const events = emittery.events("event");
    void SETTLED.then(emitteryOne);
    let taken = 0;
    for await (const event of events) {
      receive(event);
      if (++taken === count) break;
      void SETTLED.then(emitteryOne);
    }
  }, () => emittery.listenerCount("event"));
  return group.rows;
}

/** The pending `next()` of the limit row of the round trips. */
let limitWaiter: ((args: unknown) => void) | undefined;

/** The least `next()` can do: one promise whose resolver the next send finds. */
function limitNext(): Promise<unknown> {
  return new Promise((resolve) => {
    limitWaiter = resolve;
  });
}

/** The least a send to one `next()` can do: build the argument, resolve it, return `[]`. */
function limitSendNext(signal: unknown): void {
  const waiter = limitWaiter;
  limitWaiter = undefined;
  waiter?.({ signal, sender: SENDER, ...PAYLOAD });
  keep([]);
}

/** `count` round trips: wait for the next send, send, await what the wait got. */
export function nextRows(
  libraries: Libraries,
  count: number = WAIT_SENDS,
): Row[] {
  const group = new Group(`next(): ${count} round trips`);
  const receive = makeReceiver();
  const signal = new libraries.Signal<Payload, object, number>();

  addWaiting(group, "limit: one promise per wait", count, async () => {
    for (let i = 0; i < count; i++) {
      const next = limitNext();
      limitSendNext(signal);
      receive(await next);
    }
  }, () => limitWaiter === undefined ? 0 : 1);

  addWaiting(group, "signalry next()", count, async () => {
    for (let i = 0; i < count; i++) {
      const next = signal.next();
      keep(signal.send(SENDER, PAYLOAD));
      receive(await next);
    }
  }, () => signal.hasReceivers(SENDER) ? 1 : 0);

  // What the peers cannot say: wait for one sender. Each wait gives that
  // sender a bucket of its own, which the resolved waiter empties again.
  const bySender = new libraries.Signal<Payload, object, number>();
  addWaiting(group, "signalry next({ sender })", count, async () => {
    for (let i = 0; i < count; i++) {
      const next = bySender.next({ sender: SENDER });
      keep(bySender.send(SENDER, PAYLOAD));
      receive(await next);
    }
  }, () => bySender.hasReceivers(SENDER) ? 1 : 0);

  const { nodeEvents } = libraries;
  const emitter = nodeEvents.emitter();
  addWaiting(group, "node:events once()", count, async () => {
    for (let i = 0; i < count; i++) {
      const next = nodeEvents.once(emitter, "event");
      emitter.emit("event", PAYLOAD);
      const [arg] = await next;
      receive(arg);
    }
  }, () => emitter.listenerCount("event"));

  const emittery = libraries.emittery();
  addWaiting(group, "emittery once()", count, async () => {
    for (let i = 0; i < count; i++) {
      const next = emittery.once("event");
      emittery.emit("event", PAYLOAD);
      receive(await next);
    }
  }, () => emittery.listenerCount("event"));
  return group.rows;
}
