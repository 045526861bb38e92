/**
 * The {@linkcode Signal} dispatcher and the types it exposes.
 *
 * @module
 */

import {
  abortedOf,
  asCallList,
  type CallList,
  EventQueue,
  isAbortSignal,
  isObject,
  neverConnected,
  reasonOf,
  receiversOf,
  Registry,
} from "./_registry.ts";

/** The keys every receiver's argument carries besides the params. */
export type ReservedKey = "signal" | "sender";

/**
 * A type that no value has, named for a mistake, so that the compiler's
 * error says what went wrong: `Type 'string' is not assignable to type
 * 'Misuse<"sender is reserved: …">'`. signalry's types use it where a
 * value is refused.
 *
 * @typeParam Message What went wrong, and what to do instead.
 *
 * @example No value is a Misuse
 * ```ts
 * import type { Misuse } from "@signalry/signalry";
 *
 * // @ts-expect-error nothing is assignable to a Misuse
 * const refused: Misuse<"not here"> = { misuse: "not here" };
 * ```
 */
export interface Misuse<Message extends string> {
  /** What went wrong, for the compiler's message. */
  readonly misuse: Message;
  /** No value has a property of type `never`, so no value is a Misuse. */
  readonly impossible: never;
}

/**
 * The reserved keys, each refused: every params type and every params
 * argument must also be this, so a reserved key is a compile error that says
 * why, even for params types with an index signature.
 *
 * @example A reserved key is refused
 * ```ts
 * import type { NoReservedKeys } from "@signalry/signalry";
 *
 * const fine: NoReservedKeys = {};
 * const refused: NoReservedKeys = {
 *   // @ts-expect-error `sender` is reserved
 *   sender: "db",
 * };
 * ```
 */
export interface NoReservedKeys {
  /** Receivers get the Signal that was sent under this key. */
  readonly signal?: Misuse<
    "signal is reserved: receivers get the Signal under this key"
  >;
  /** Receivers get the sender under this key. */
  readonly sender?: Misuse<
    "sender is reserved: pass the sender as send()'s first argument"
  >;
}

/**
 * What a Signal's params type must be: an object type that does not use the
 * reserved keys `signal` and `sender`.
 *
 * @example A params type
 * ```ts
 * import type { SignalParams } from "@signalry/signalry";
 *
 * type Saved = { id: number };
 * const savedIsParams: Saved extends SignalParams ? true : false = true;
 * const withSender: { sender: string } extends SignalParams ? true : false = false;
 * ```
 */
export type SignalParams = object & NoReservedKeys;

/**
 * The argument a receiver is called with: the params a sender passed, plus
 * the `signal` that was sent and the `sender` that sent it.
 *
 * One argument object is built per send and shared by the receivers it calls,
 * so it is read-only.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns.
 * @typeParam From Who this receiver hears: `Sender`, or a narrower type when
 * it was connected for one sender (see {@linkcode HeardSender}).
 *
 * @example Destructure the argument
 * ```ts
 * import { Signal, type ReceiverArgs } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal<{ id: number }, string>();
 * function describe({ sender, id }: ReceiverArgs<{ id: number }, string>) {
 *   return `${sender} saved ${id}`;
 * }
 * saved.connect(describe);
 * assertEquals(saved.send("db", { id: 7 }), [[describe, "db saved 7"]]);
 * ```
 */
export type ReceiverArgs<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> =
  & Readonly<Params>
  & {
    readonly signal: Signal<Params, Sender, Response>;
    readonly sender: From;
  };

/**
 * A function connected to a signal. It gets one {@linkcode ReceiverArgs}
 * object and returns its response. It is called as a plain function
 * (`this: void`): a method that uses `this` must be bound first.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What the receiver returns.
 * @typeParam From Who this receiver hears: `Sender`, or a narrower type when
 * it was connected for one sender (see {@linkcode HeardSender}).
 *
 * @example Type a receiver ahead of connecting it
 * ```ts
 * import { Signal, type Receiver } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const double: Receiver<{ n: number }, unknown, number> = ({ n }) => n * 2;
 * const computed = new Signal<{ n: number }, unknown, number>();
 * computed.connect(double);
 * assertEquals(computed.send(null, { n: 21 }), [[double, 42]]);
 * ```
 */
export type Receiver<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> = (
  this: void,
  args: ReceiverArgs<Params, Sender, Response, From>,
) => Response;

/**
 * An id that names a registration instead of its receiver, as Django's
 * `dispatch_uid` does.
 *
 * @example Connect under an id
 * ```ts
 * import { Signal, type UniqueId } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const id: UniqueId = "audit-log";
 * const saved = new Signal();
 * saved.connect(() => "first", { uniqueId: id });
 * saved.connect(() => "second", { uniqueId: id });
 * assertEquals(saved.send(null).map(([, response]) => response), ["first"]);
 * ```
 */
export type UniqueId = string | number | symbol;

/**
 * The sender a receiver hears when it was connected with a `sender` option
 * of type `From`: `From` itself, which may be narrower than `Sender` (a
 * subclass, a literal), or every `Sender` when `From` admits `undefined`,
 * because an `undefined` sender means "no sender: hear them all".
 *
 * Methods that narrow take a first overload with `options` typed
 * `Options & ForSender<From>` (`From extends Sender`) and type what they
 * hand over with `HeardSender<Sender, From>`, then a second overload for
 * every other call, typed with `Sender`.
 *
 * @typeParam Sender Who may send.
 * @typeParam From The type of the `sender` option.
 *
 * @example What a receiver connected for one sender hears
 * ```ts
 * import type { HeardSender } from "@signalry/signalry";
 *
 * class Model {}
 * class User extends Model {}
 * const narrowed: HeardSender<typeof Model, typeof User> = User;
 * const perhaps: HeardSender<typeof Model, typeof User | undefined> = Model;
 * ```
 */
export type HeardSender<Sender, From> = undefined extends From ? Sender
  : From;

/**
 * A `sender` option that is surely given, of type `From`: what the
 * narrowing overloads of {@linkcode Signal.prototype.connect},
 * {@linkcode Signal.prototype.disconnect}, {@linkcode Signal.prototype.next}
 * and {@linkcode Signal.prototype.events} take beside their other options
 * (see {@linkcode HeardSender}).
 *
 * @typeParam From The type of the sender given.
 *
 * @example The narrowing options of connect
 * ```ts
 * import type { ConnectOptions, ForSender } from "@signalry/signalry";
 *
 * const options: ConnectOptions<string> & ForSender<"db"> = { sender: "db", once: true };
 * ```
 */
export interface ForSender<From> {
  /** Hear only this sender. */
  readonly sender: From;
}

/**
 * Options of {@linkcode Signal.prototype.connect}. Each may be `undefined`,
 * which means the same as leaving it out.
 *
 * @typeParam Sender Who may send.
 *
 * @example Hear one sender only
 * ```ts
 * import { Signal, type ConnectOptions } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal<Record<never, never>, string, string>();
 * const options: ConnectOptions<string> = { sender: "db", uniqueId: "log" };
 * saved.connect(({ sender }) => sender, options);
 * assertEquals(saved.send("cache"), []);
 * assertEquals(saved.send("db").length, 1);
 * ```
 */
export interface ConnectOptions<Sender = unknown> {
  /** Hear only sends from this sender; left out, hear every sender. */
  readonly sender?: Sender | undefined;
  /** Identify the registration by this id instead of by the receiver. */
  readonly uniqueId?: UniqueId | undefined;
  /**
   * Remove the registration just before its first call, so the receiver is
   * called at most once.
   */
  readonly once?: boolean | undefined;
  /**
   * Remove the registration when this signal aborts; an already aborted
   * signal connects nothing.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Options of {@linkcode Signal.prototype.disconnect}: they name the
 * registration the way {@linkcode ConnectOptions} named it. Each may be
 * `undefined`, which means the same as leaving it out.
 *
 * @typeParam Sender Who may send.
 *
 * @example Disconnect by id
 * ```ts
 * import { Signal, type DisconnectOptions } from "@signalry/signalry";
 * import { assert } from "@std/assert";
 *
 * const saved = new Signal<Record<never, never>, string>();
 * saved.connect(() => {}, { sender: "db", uniqueId: "log" });
 * const options = { sender: "db", uniqueId: "log" } satisfies DisconnectOptions<string>;
 * assert(saved.disconnect(options));
 * ```
 */
export interface DisconnectOptions<Sender = unknown> {
  /** The sender the registration was connected for; left out, a registration connected without one. */
  readonly sender?: Sender | undefined;
  /** The id the registration was connected under. */
  readonly uniqueId?: UniqueId | undefined;
}

/**
 * The arguments of {@linkcode Signal.prototype.send} after the sender: the
 * params, which may be left out (or `undefined`) when the params type has no
 * required key. A reserved key in them is a compile error, whatever the
 * params type.
 *
 * @typeParam Params The named values a sender passes.
 *
 * @example Optional and required params
 * ```ts
 * import type { SendParams } from "@signalry/signalry";
 *
 * const optional: SendParams<{ reason?: string }> = [];
 * const required: SendParams<{ id: number }> = [{ id: 1 }];
 * const reserved: SendParams<Record<string, number>> = [{
 *   // @ts-expect-error `sender` is reserved, even where any key is a number
 *   sender: 1,
 * }];
 * ```
 */
export type SendParams<Params extends SignalParams> =
  Record<never, never> extends Params
    ? [params?: SentParams<Params> | undefined]
    : [params: SentParams<Params>];

/**
 * The params object a send takes for a params type: `Params` with the
 * reserved keys refused. For `object`, a type that names no key, any key but
 * a reserved one may be sent.
 *
 * @typeParam Params The named values a sender passes.
 *
 * @example Reserved keys are refused, whatever the params type
 * ```ts
 * import type { SentParams } from "@signalry/signalry";
 *
 * const counts: SentParams<Record<string, number>> = { hits: 1 };
 * const anything: SentParams<object> = { hits: 1, name: "x" };
 * const refused: SentParams<object> = {
 *   // @ts-expect-error `signal` is reserved
 *   signal: 1,
 * };
 * ```
 */
export type SentParams<Params extends SignalParams> =
  & Params
  & NoReservedKeys
  // `object` names no key, so every key would be an excess property.
  & ([keyof Params] extends [never]
    ? string extends Params ? unknown : Readonly<Record<string, unknown>>
    : unknown);

/**
 * What {@linkcode Signal.prototype.send} returns: a `[receiver, response]`
 * pair per receiver called, in the order they were called.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns.
 * @typeParam From Who sent: the receivers called hear that sender.
 *
 * @example Read the responses
 * ```ts
 * import { Signal, type Responses } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const asked = new Signal<Record<never, never>, null, number>();
 * asked.connect(() => 1);
 * const responses: Responses<Record<never, never>, null, number> = asked.send(null);
 * assertEquals(responses.map(([, response]) => response), [1]);
 * ```
 */
export type Responses<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> = Array<[Receiver<Params, Sender, Response, From>, Response]>;

/**
 * What {@linkcode Signal.prototype.sendRobust} returns: a
 * `[receiver, outcome]` pair per receiver called, each outcome shaped like a
 * `PromiseSettledResult`.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns.
 * @typeParam From Who sent: the receivers called hear that sender.
 *
 * @example Read the failures
 * ```ts
 * import { Signal, type RobustResponses } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const asked = new Signal<Record<never, never>, null, number>();
 * asked.connect(() => {
 *   throw "no";
 * });
 * const outcomes: RobustResponses<Record<never, never>, null, number> = asked.sendRobust(null);
 * assertEquals(outcomes[0]?.[1], { status: "rejected", reason: "no" });
 * ```
 */
export type RobustResponses<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> = Array<
  [Receiver<Params, Sender, Response, From>, PromiseSettledResult<Response>]
>;

/**
 * What {@linkcode Signal.prototype.sendAsync} resolves to: a
 * `[receiver, awaited response]` pair per receiver called.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns (a promise or not).
 * @typeParam From Who sent: the receivers called hear that sender.
 *
 * @example Read awaited responses
 * ```ts
 * import { Signal, type AsyncResponses } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const asked = new Signal<Record<never, never>, null, Promise<number>>();
 * asked.connect(() => Promise.resolve(1));
 * const responses: AsyncResponses<Record<never, never>, null, Promise<number>> =
 *   await asked.sendAsync(null);
 * assertEquals(responses.map(([, n]) => n), [1]);
 * ```
 */
export type AsyncResponses<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> = Array<[Receiver<Params, Sender, Response, From>, Awaited<Response>]>;

/**
 * What {@linkcode Signal.prototype.sendAsyncRobust} resolves to: a
 * `[receiver, outcome]` pair per receiver called, each outcome a
 * `PromiseSettledResult` of the awaited response.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns (a promise or not).
 * @typeParam From Who sent: the receivers called hear that sender.
 *
 * @example Read settled outcomes
 * ```ts
 * import { Signal, type AsyncRobustResponses } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const asked = new Signal<Record<never, never>, null, Promise<number>>();
 * asked.connect(() => Promise.resolve(1));
 * const outcomes: AsyncRobustResponses<Record<never, never>, null, Promise<number>> =
 *   await asked.sendAsyncRobust(null);
 * assertEquals(outcomes[0]?.[1], { status: "fulfilled", value: 1 });
 * ```
 */
export type AsyncRobustResponses<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> = Array<
  [
    Receiver<Params, Sender, Response, From>,
    PromiseSettledResult<Awaited<Response>>,
  ]
>;

/**
 * A receiver of some signal, seen from code that does not know which: it can
 * be compared and listed, but not called, since what it takes is unknown.
 * Every {@linkcode Receiver} is one.
 *
 * @example Keep receivers of different signals together
 * ```ts
 * import { Signal, type SomeReceiver } from "@signalry/signalry";
 *
 * const saved = new Signal<{ id: number }, string, number>();
 * const closed = new Signal<{ reason: string }, object, void>();
 * const receivers: SomeReceiver[] = [
 *   ...saved.receivers("db"),
 *   ...closed.receivers(),
 * ];
 * ```
 */
export type SomeReceiver = (this: void, args: never) => unknown;

/**
 * What every {@linkcode Signal} is, whatever its type parameters: the parts
 * of a signal that do not depend on them, for arrays, Maps and helpers that
 * hold signals of different types.
 *
 * A `Signal` is invariant in its params, sender and response types, so a
 * `Signal<{ id: number }, Server, string>` is not a
 * `Signal<{ id: number }, unknown, unknown>`: through that, a send from any
 * sender, or a receiver returning anything, would compile. An AnySignal can
 * do only what is safe with any signal: tell its name, mute it, ask whether
 * a sender would reach anyone, list receivers (as {@linkcode SomeReceiver}s),
 * disconnect by `uniqueId`, and disconnect all. Its methods take any value
 * as the sender: a value that is not one of the signal's senders has no
 * registrations, so it finds and removes none. To connect or send, keep the
 * typed Signal.
 *
 * @example Disconnect a sender from every signal
 * ```ts
 * import { type AnySignal, Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * class Server {}
 * const stopped = new Signal<{ id: number }, Server, string>();
 * const started = new Signal<Record<never, never>, Server, void>();
 * const signals: AnySignal[] = [stopped, started];
 *
 * const server = new Server();
 * stopped.connect(({ id }) => `stopped ${id}`, { sender: server });
 * started.connect(() => {}, { sender: server });
 * const removed = signals.map((signal) => signal.disconnectAll(server));
 * assertEquals(removed, [1, 1]);
 *
 * const mutes = signals.map((signal) => signal.mute());
 * assertEquals(signals.map((signal) => signal.muted), [true, true]);
 * for (const mute of mutes) mute[Symbol.dispose]();
 * ```
 */
export interface AnySignal {
  /** The name given to `new Signal()`, if any. */
  readonly name: string | undefined;
  /** Whether a handle that `mute()` returned is still undisposed. */
  readonly muted: boolean;
  /**
   * Mutes the signal until every handle it returned is disposed.
   *
   * @returns A handle whose disposal ends this mute.
   */
  mute(): Disposable;
  /**
   * Tells whether a send from `sender` would call any receiver.
   *
   * @param sender The sender to ask about; left out, a send without a sender.
   * @returns `true` if at least one receiver would be called.
   */
  hasReceivers(sender?: unknown): boolean;
  /**
   * Lists the receivers a send from `sender` would call, in call order.
   *
   * @param sender The sender to ask about; left out, a send without a sender.
   * @returns A new array of receivers.
   */
  receivers(sender?: unknown): SomeReceiver[];
  /**
   * Disconnects the registration that `options.uniqueId` and
   * `options.sender` identify, whichever receiver it holds.
   *
   * @param options The `uniqueId` and `sender` the receiver was connected with.
   * @returns `true` if a registration was removed, `false` if none matched.
   */
  disconnect(
    options: DisconnectOptions<unknown> & { readonly uniqueId: UniqueId },
  ): boolean;
  /**
   * Disconnects every registration, or every one for `sender`.
   *
   * @param sender The sender whose registrations to remove; left out, all of them.
   * @returns How many registrations were removed.
   */
  disconnectAll(sender?: unknown): number;
}

/**
 * The handle {@linkcode Signal.prototype.connect} returns. Disconnecting it,
 * or leaving the block it was bound in with `using`, removes the
 * registration.
 *
 * @example Disconnect at the end of a block
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal();
 * {
 *   using _connection = saved.connect(() => "heard");
 *   assertEquals(saved.send(null).length, 1);
 * }
 * assertEquals(saved.send(null), []);
 * ```
 */
export interface Connection {
  /** Whether the registration is still connected. */
  readonly connected: boolean;
  /**
   * Removes the registration.
   *
   * @returns `true` if this call removed it, `false` if it was already gone.
   */
  disconnect(): boolean;
  /** Removes the registration, so that `using` disconnects it. */
  [Symbol.dispose](): void;
}

/**
 * Options of `new Signal()`.
 *
 * @example Name a signal
 * ```ts
 * import { Signal, type SignalOptions } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const options: SignalOptions = { name: "connectionStopped" };
 * assertEquals(new Signal(options).name, "connectionStopped");
 * ```
 */
export interface SignalOptions {
  /** What errors and inspection call the signal. */
  readonly name?: string | undefined;
}

/**
 * Options of {@linkcode Signal.prototype.next}.
 *
 * @typeParam Sender Who may send.
 *
 * @example Wait for one sender, for a while
 * ```ts
 * import { Signal, type NextOptions } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal<{ id: number }, string>();
 * const options: NextOptions<string> = {
 *   sender: "db",
 *   signal: AbortSignal.timeout(1000),
 * };
 * const next = saved.next(options);
 * saved.send("cache", { id: 1 });
 * saved.send("db", { id: 2 });
 * assertEquals((await next).id, 2);
 * ```
 */
export interface NextOptions<Sender> {
  /** Wait only for sends from this sender; left out, for any send. */
  readonly sender?: Sender | undefined;
  /**
   * Stop waiting when this signal aborts: the promise rejects with its
   * reason, at once if it has already aborted.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Options of {@linkcode Signal.prototype.events}.
 *
 * @typeParam Sender Who may send.
 *
 * @example Bound the sends an iterator may fall behind by
 * ```ts
 * import { Signal, type EventsOptions } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const ticked = new Signal<{ n: number }>();
 * const options: EventsOptions<unknown> = { limit: 100 };
 * using events = ticked.events(options);
 * ticked.send(null, { n: 1 });
 * assertEquals((await events.next()).value?.n, 1);
 * ```
 */
export interface EventsOptions<Sender> extends NextOptions<Sender> {
  /**
   * How many sends it may hold that nobody took yet (a positive integer; no
   * bound when left out). A send beyond it is not queued: the iterator
   * stops listening, yields what it holds, then rejects with a RangeError.
   */
  readonly limit?: number | undefined;
}

/**
 * What {@linkcode Signal.prototype.events} returns: an async iterator of
 * the receiver arguments of the sends it hears, in send order, that `using`
 * stops, as `break` and `return()` do.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns.
 * @typeParam From Who it hears: `Sender`, or a narrower type when it
 * listens to one sender (see {@linkcode HeardSender}).
 *
 * @example Take two sends
 * ```ts
 * import { Signal, type SignalEvents } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const ticked = new Signal<{ n: number }, null>();
 * const events: SignalEvents<{ n: number }, null> = ticked.events();
 * ticked.send(null, { n: 1 });
 * ticked.send(null, { n: 2 });
 * const seen: number[] = [];
 * for await (const { n } of events) {
 *   seen.push(n);
 *   if (n === 2) break;
 * }
 * assertEquals(seen, [1, 2]);
 * ```
 */
export interface SignalEvents<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
  From = Sender,
> extends
  AsyncIterableIterator<ReceiverArgs<Params, Sender, Response, From>>,
  Disposable {
  /**
   * The receiver argument of the first send it heard and nobody took yet,
   * or of the next send it hears.
   */
  next(): Promise<
    IteratorResult<ReceiverArgs<Params, Sender, Response, From>, undefined>
  >;
  /** Stops listening and drops what it held; pending `next()` calls end the iteration. */
  return(): Promise<
    IteratorResult<ReceiverArgs<Params, Sender, Response, From>, undefined>
  >;
}

const promiseThen = Promise.prototype.then;

function ignore(): void {}

/**
 * Marks `response`'s rejection handled if it is a promise. Promise's own
 * `then` runs, never the response's `then` or `catch`, and whatever it
 * throws is swallowed: a response cannot replace the error that stopped a
 * send.
 */
function ignoreRejection(response: unknown): void {
  if (!isObject(response)) return;
  try {
    promiseThen.call(response, undefined, ignore);
  } catch {
    // Not a promise: nothing to leave unhandled.
  }
}

/**
 * Calls back with what `response` settles to: a promise through Promise's
 * own `then`, so that a subclass's `then` or `catch` never runs; a thenable
 * as `await` settles it, so that what its `then` throws is a rejection;
 * anything else at once.
 */
function whenSettled(
  response: unknown,
  onFulfilled: (value: unknown) => void,
  onRejected: (reason: unknown) => void,
): void {
  if (!isObject(response)) return onFulfilled(response);
  let then: unknown;
  try {
    then = (response as { then?: unknown }).then;
  } catch (error) {
    return onRejected(error);
  }
  if (typeof then !== "function") return onFulfilled(response);
  try {
    promiseThen.call(response, onFulfilled, onRejected);
    return;
  } catch {
    // Not a promise: a thenable.
  }
  Promise.resolve(response).then(onFulfilled, onRejected);
}

/**
 * Waits for every response, each settled by whenSettled(): to their values
 * in order, rejecting with the first rejection, as `Promise.all` does; or,
 * `robust`, to an outcome each, as `Promise.allSettled` does.
 */
function settleAll(
  responses: readonly unknown[],
  robust: false,
): Promise<unknown[]>;
function settleAll(
  responses: readonly unknown[],
  robust: true,
): Promise<PromiseSettledResult<unknown>[]>;
function settleAll(
  responses: readonly unknown[],
  robust: boolean,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const results: unknown[] = new Array(responses.length);
    let pending = responses.length;
    if (pending === 0) resolve(results);
    const settle = (index: number, result: unknown) => {
      results[index] = result;
      if (--pending === 0) resolve(results);
    };
    for (let i = 0; i < responses.length; i++) {
      whenSettled(
        responses[i],
        robust
          ? (value) => settle(i, { status: "fulfilled", value })
          : (value) => settle(i, value),
        robust ? (reason) => settle(i, { status: "rejected", reason }) : reject,
      );
    }
  });
}

function isUniqueId(value: unknown): value is UniqueId {
  const type = typeof value;
  return type === "string" || type === "number" || type === "symbol";
}

/** The options of connect, read once and checked. */
interface ConnectChoices<Sender> {
  readonly sender: Sender | undefined;
  readonly uniqueId: UniqueId | undefined;
  readonly once: boolean;
  readonly abortSignal: AbortSignal | undefined;
}

/** What leaving the options out means; shared, so that connect allocates nothing for it. */
const NO_CHOICES: Readonly<ConnectChoices<never>> = Object.freeze({
  sender: undefined,
  uniqueId: undefined,
  once: false,
  abortSignal: undefined,
});

/**
 * Reads an options object with `read`, after checking it is one: not a
 * primitive, not an array; a revoked Proxy gets our TypeError too.
 */
function readObject<Fields>(
  options: unknown,
  action: string,
  read: (options: Record<string, unknown>) => Fields,
): Fields {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options is not an object`);
  }
  let isArray: boolean;
  let fields: Fields;
  try {
    isArray = Array.isArray(options);
    fields = read(options as Record<string, unknown>);
  } catch (error) {
    throw new TypeError(`${action}: options could not be read`, {
      cause: error,
    });
  }
  if (isArray) {
    throw new TypeError(`${action}: options is an array, not an object`);
  }
  return fields;
}

function checkAbortSignal(
  signal: unknown,
  action: string,
): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`${action}: options.signal is not an AbortSignal`);
  }
}

/** Reads and checks the options of connect and disconnect. */
function readOptions<Sender>(
  options: unknown,
  action: string,
): ConnectChoices<Sender> {
  if (options === undefined) return NO_CHOICES;
  const { sender, uniqueId, once = false, signal } = readObject(
    options,
    action,
    ({ sender, uniqueId, once, signal }) => ({
      sender: sender as Sender | undefined,
      uniqueId,
      once,
      signal,
    }),
  );
  if (uniqueId !== undefined && !isUniqueId(uniqueId)) {
    throw new TypeError(
      `${action}: options.uniqueId is not a string, number or symbol`,
    );
  }
  if (typeof once !== "boolean") {
    throw new TypeError(`${action}: options.once is not a boolean`);
  }
  checkAbortSignal(signal, action);
  return { sender, uniqueId, once, abortSignal: signal };
}

/** The options of next() and events(), read once and checked. */
interface WaitChoices<Sender> {
  readonly sender: Sender | undefined;
  readonly abortSignal: AbortSignal | undefined;
  readonly limit: number;
}

/** What leaving the options of next() or events() out means; shared, so that it allocates nothing. */
const NO_WAIT_CHOICES: Readonly<WaitChoices<never>> = Object.freeze({
  sender: undefined,
  abortSignal: undefined,
  limit: Infinity,
});

/** Reads and checks the options of next() and events(). */
function readWaitOptions<Sender>(
  options: unknown,
  action: string,
): WaitChoices<Sender> {
  if (options === undefined) return NO_WAIT_CHOICES;
  const { sender, signal, limit = Infinity } = readObject(
    options,
    action,
    ({ sender, signal, limit }) => ({
      sender: sender as Sender | undefined,
      signal,
      limit,
    }),
  );
  checkAbortSignal(signal, action);
  if (
    limit !== Infinity &&
    !(typeof limit === "number" && Number.isInteger(limit) && limit > 0)
  ) {
    throw new TypeError(`${action}: options.limit is not a positive integer`);
  }
  return { sender, abortSignal: signal, limit: limit as number };
}

/**
 * Throws unless `params` is a plain object of named values without reserved
 * keys: the receiver's argument is a copy of its own enumerable keys, so a
 * class instance's methods, getters and private fields would not be there.
 */
function checkParams(params: unknown, action: string): void {
  if (params === undefined) return;
  if (typeof params !== "object" || params === null) {
    throw new TypeError(`${action}: params is not an object`);
  }
  let needsCloserLook: boolean;
  let prototype: object | null;
  try {
    // `in` is nearly free where Object.hasOwn is not; it only over-reports.
    needsCloserLook = "signal" in params || "sender" in params ||
      Array.isArray(params);
    // Only after `in`: V8 then knows params' map and folds this to a
    // constant; before it, it costs about 10 ns a send.
    prototype = Object.getPrototypeOf(params);
  } catch (error) {
    throw new TypeError(`${action}: params could not be read`, {
      cause: error,
    });
  }
  if (
    needsCloserLook || (prototype !== Object.prototype && prototype !== null)
  ) {
    lookCloserAtParams(params, action);
  }
}

/**
 * Throws if `params` is an array, is not a plain object, or has an own
 * reserved key; inherited keys are fine.
 */
function lookCloserAtParams(params: object, action: string): void {
  if (Array.isArray(params)) {
    throw new TypeError(`${action}: params is an array, not an object`);
  }
  let notPlain: string | undefined;
  let reservedKey: ReservedKey | undefined;
  try {
    notPlain = whyNotPlain(Object.getPrototypeOf(params));
    if (Object.hasOwn(params, "signal")) reservedKey = "signal";
    else if (Object.hasOwn(params, "sender")) reservedKey = "sender";
  } catch (error) {
    throw new TypeError(`${action}: params could not be read`, {
      cause: error,
    });
  }
  if (notPlain !== undefined) {
    throw new TypeError(`${action}: params is not a plain object${notPlain}`);
  }
  if (reservedKey !== undefined) throwReservedKey(reservedKey, action);
}

const functionSource = Function.prototype.toString;
/** The source text engines give a native Object function, this realm's or another's. */
const OBJECT_SOURCE = functionSource.call(Object);

/**
 * Why an object with this prototype is not a plain object (undefined if it
 * is one): a plain object's prototype is null or an Object.prototype, this
 * realm's or another's (an iframe's, a `node:vm` context's). Another realm's
 * is the end of its chain, and its own `constructor` is a native `Object`
 * whose `prototype` is it. Nothing here runs a getter.
 */
function whyNotPlain(prototype: object | null): string | undefined {
  if (prototype === Object.prototype || prototype === null) return undefined;
  const constructor = Object.getOwnPropertyDescriptor(prototype, "constructor")
    ?.value;
  if (typeof constructor !== "function") return NOT_OBJECT_PROTOTYPE;
  if (
    Object.getPrototypeOf(prototype) === null &&
    Object.getOwnPropertyDescriptor(constructor, "prototype")?.value ===
      prototype &&
    functionSource.call(constructor) === OBJECT_SOURCE
  ) {
    return undefined;
  }
  const name = Object.getOwnPropertyDescriptor(constructor, "name")?.value;
  return typeof name === "string" && name !== ""
    ? ` but an instance of ${name}`
    : NOT_OBJECT_PROTOTYPE;
}

const NOT_OBJECT_PROTOTYPE =
  ": its prototype is neither Object.prototype nor null";

function throwReservedKey(key: ReservedKey, action: string): never {
  throw new TypeError(
    `${action}: params has the key "${key}", which is reserved for the receiver's argument`,
  );
}

/** What a receiver's argument holds for `signal` and `sender` until the real ones go in. */
const UNSET: unique symbol = Symbol("unset");

/** How an error of a signal begins, by what failed; they name a named signal. */
interface Actions {
  readonly send: string;
  readonly connect: string;
  readonly disconnect: string;
  readonly next: string;
  readonly events: string;
}

function actionsOf(name: string | undefined): Actions {
  const signal = name === undefined
    ? "signal"
    : `signal ${JSON.stringify(name)}`;
  return {
    send: `Cannot send ${signal}`,
    connect: name === undefined
      ? "Cannot connect receiver"
      : `Cannot connect receiver to ${signal}`,
    disconnect: name === undefined
      ? "Cannot disconnect receiver"
      : `Cannot disconnect receiver from ${signal}`,
    next: `Cannot wait for ${signal}`,
    events: `Cannot iterate over ${signal}`,
  };
}

/** The actions of every signal without a name. */
const UNNAMED: Actions = actionsOf(undefined);

/**
 * The send loop that claims each `once` registration before its call,
 * pushing each `[receiver, response]` onto `responses` as it goes, so that a
 * caller still has them when a receiver throws.
 */
function callClaimingOnce<Args, Response>(
  callList: CallList,
  args: Args,
  responses: Array<[(args: Args) => Response, Response]>,
): Array<[(args: Args) => Response, Response]> {
  const { receivers, claims } = callList;
  for (let i = 0; i < receivers.length; i++) {
    if (claims?.[i]?.claim(args) === false) continue;
    const receiver = receivers[i] as (args: Args) => Response;
    responses.push([receiver, receiver(args)]);
  }
  return responses;
}

/**
 * A signal that receivers connect to and senders send, after Django's and
 * py4j's `Signal`.
 *
 * A receiver is connected for every sender or for one sender, identified by
 * itself or by a `uniqueId`; connecting the same identity twice changes
 * nothing. A send calls, in connection order, every receiver connected for
 * any sender or for that sender, and returns each one's response. Receivers
 * connected or disconnected during a send do not change who that send calls.
 *
 * @typeParam Params The named values a sender passes to receivers.
 * @typeParam Sender Who may send; object senders match by identity, others
 * by value.
 * @typeParam Response What each receiver returns.
 *
 * @example A server tells receivers that a connection stopped
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * class Server {}
 * class Connection {
 *   constructor(readonly id: number) {}
 * }
 *
 * const stopped = new Signal<{ connection: Connection }, Server, string>();
 * const server = new Server();
 * stopped.connect(({ connection }) => `closed #${connection.id}`, { sender: server });
 *
 * const responses = stopped.send(server, { connection: new Connection(1) });
 * assertEquals(responses.map(([, response]) => response), ["closed #1"]);
 * ```
 */
export class Signal<
  in out Params extends SignalParams = Record<string, unknown>,
  in out Sender = unknown,
  in out Response = unknown,
> implements AnySignal {
  readonly #registry = new Registry();
  readonly #name: string | undefined;
  readonly #actions: Actions;
  /**
   * The mute() handles not yet disposed, or undefined when there is none:
   * a send calls nobody while it is a Set, and checks nothing else.
   */
  #mutes: Set<Disposable> | undefined = undefined;

  /**
   * Makes a signal, named or not.
   *
   * @param options `name` to say in errors and inspection.
   * @throws {TypeError} If `options` is not an object or `options.name` is
   * not a string.
   *
   * @example A named signal says its name in errors
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertThrows } from "@std/assert";
   *
   * const stopped = new Signal<{ id: number }>({ name: "connectionStopped" });
   * const forged = { id: 1, sender: "forged" } as { id: number };
   * assertThrows(
   *   () => stopped.send(null, forged),
   *   TypeError,
   *   'Cannot send signal "connectionStopped": params has the key "sender"',
   * );
   * ```
   */
  constructor(options?: SignalOptions) {
    const { name } = options === undefined
      ? { name: undefined }
      : readObject(options, "Cannot create signal", ({ name }) => ({ name }));
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError("Cannot create signal: options.name is not a string");
    }
    this.#name = name;
    this.#actions = name === undefined ? UNNAMED : actionsOf(name);
  }

  /**
   * The name given to `new Signal()`, if any.
   *
   * @example Read the name
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(new Signal({ name: "saved" }).name, "saved");
   * assertEquals(new Signal().name, undefined);
   * ```
   */
  get name(): string | undefined {
    return this.#name;
  }

  /** The one argument object of a send, shared by the receivers it calls. */
  #receiverArgs(
    sender: Sender,
    params: Params | undefined,
  ): ReceiverArgs<Params, Sender, Response> {
    // Keys first, then the spread: V8 makes adding keys to a spread-made
    // object slow. A reserved key the spread copies overwrites UNSET: that
    // catches params (a Proxy) that hid it from checkParams().
    let args: { signal: unknown; sender: unknown };
    try {
      args = { signal: UNSET, sender: UNSET, ...params };
    } catch (error) {
      throw new TypeError(`${this.#actions.send}: params could not be read`, {
        cause: error,
      });
    }
    if (args.signal !== UNSET || args.sender !== UNSET) {
      throwReservedKey(
        args.signal !== UNSET ? "signal" : "sender",
        this.#actions.send,
      );
    }
    args.signal = this;
    args.sender = sender;
    return args as unknown as ReceiverArgs<Params, Sender, Response>;
  }

  /** A muted send: it still refuses params that hide a reserved key. */
  #muted(sender: Sender, params: Params | undefined): [] {
    this.#receiverArgs(sender, params);
    return [];
  }

  /**
   * Connects `receiver`, for every sender or only for `options.sender`.
   *
   * A registration is identified by `options.uniqueId` (or, without one, by
   * the receiver) together with its sender. Connecting an identity that is
   * already connected changes nothing and returns the existing connection.
   *
   * Given a `sender`, the receiver hears only that sender, so its argument's
   * `sender` has the type of the sender given, which may be narrower than
   * `Sender`: a subclass, or a literal.
   *
   * @typeParam From The type of `options.sender`.
   * @param receiver Called with the params, `signal` and `sender` of each send it hears.
   * @param options `sender` to hear only one sender; `uniqueId` to identify the registration.
   * @returns The connection, to disconnect it with or to bind with `using`.
   * @throws {TypeError} If `receiver` is not a function, `options` is not an
   * object, or `options.uniqueId` is not a string, number or symbol.
   *
   * @example Connect for one sender
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<{ id: number }, string, number>();
   * const connection = saved.connect(({ id }) => id, { sender: "db" });
   * assertEquals(saved.send("cache", { id: 1 }), []);
   * assertEquals(saved.send("db", { id: 2 }).length, 1);
   * connection.disconnect();
   * assertEquals(saved.send("db", { id: 3 }), []);
   * ```
   *
   * @example A receiver for a subclass sees the subclass
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * class Model {}
   * class User extends Model {
   *   static table = "users";
   * }
   * const created = new Signal<Record<never, never>, typeof Model, string>();
   * created.connect(({ sender }) => sender.table, { sender: User });
   * assertEquals(created.send(User).map(([, table]) => table), ["users"]);
   * ```
   */
  connect<From extends Sender>(
    receiver: Receiver<Params, Sender, Response, HeardSender<Sender, From>>,
    options: ConnectOptions<Sender> & ForSender<From>,
  ): Connection;
  /**
   * Connects `receiver` for every sender, or, given `options.sender`, only
   * for that sender, with the receiver typed for any `Sender`.
   *
   * @param receiver Called with the params, `signal` and `sender` of each send it hears.
   * @param options `sender` to hear only one sender; `uniqueId` to identify the registration.
   * @returns The connection, to disconnect it with or to bind with `using`.
   * @throws {TypeError} If `receiver` is not a function, `options` is not an
   * object, or `options.uniqueId` is not a string, number or symbol.
   *
   * @example Connect for every sender
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<{ id: number }, string, string>();
   * saved.connect(({ sender, id }) => `${sender} saved ${id}`);
   * assertEquals(saved.send("db", { id: 1 }).map(([, said]) => said), ["db saved 1"]);
   * ```
   */
  connect(
    receiver: Receiver<Params, Sender, Response>,
    options?: ConnectOptions<Sender>,
  ): Connection;
  connect(
    receiver: Receiver<Params, Sender, Response>,
    options?: ConnectOptions<Sender>,
  ): Connection {
    const action = this.#actions.connect;
    if (typeof receiver !== "function") {
      throw new TypeError(`${action}: receiver is not a function`);
    }
    const { sender, uniqueId, once, abortSignal } = readOptions<Sender>(
      options,
      action,
    );
    const key = uniqueId ?? receiver;
    if (abortSignal !== undefined && abortedOf.call(abortSignal)) {
      return neverConnected();
    }
    return this.#registry.connect(receiver, key, sender, once, abortSignal);
  }

  /**
   * Disconnects the registration that `receiver` (or `options.uniqueId`) and
   * `options.sender` identify, as {@linkcode Signal.prototype.connect} named it.
   *
   * @param receiver The receiver connected without a `uniqueId`; with one, any function.
   * @param options The `sender` and `uniqueId` the receiver was connected with.
   * @returns `true` if a registration was removed, `false` if none matched.
   * @throws {TypeError} If `receiver` is not a function, `options` is not an
   * object, or `options.uniqueId` is not a string, number or symbol.
   *
   * @example Disconnect a receiver
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assert, assertFalse } from "@std/assert";
   *
   * const saved = new Signal();
   * const log = () => {};
   * saved.connect(log);
   * assert(saved.disconnect(log));
   * assertFalse(saved.disconnect(log));
   * ```
   */
  disconnect(
    receiver: Receiver<Params, Sender, Response>,
    options?: DisconnectOptions<Sender>,
  ): boolean;
  /**
   * Disconnects the registration that `receiver` (or `options.uniqueId`)
   * made for `options.sender`, where the receiver may take a sender narrower
   * than `Sender`, as {@linkcode Signal.prototype.connect} accepted it.
   *
   * @typeParam From The type of `options.sender`.
   * @param receiver The receiver connected without a `uniqueId`; with one, any function.
   * @param options The `sender` and `uniqueId` the receiver was connected with.
   * @returns `true` if a registration was removed, `false` if none matched.
   * @throws {TypeError} If `receiver` is not a function, `options` is not an
   * object, or `options.uniqueId` is not a string, number or symbol.
   *
   * @example Disconnect a receiver for a subclass
   * ```ts
   * import { Signal, type ReceiverArgs } from "@signalry/signalry";
   * import { assert } from "@std/assert";
   *
   * class Model {}
   * class User extends Model {
   *   static table = "users";
   * }
   * type Created = ReceiverArgs<Record<never, never>, typeof Model, string, typeof User>;
   * const created = new Signal<Record<never, never>, typeof Model, string>();
   * const table = ({ sender }: Created) => sender.table;
   * created.connect(table, { sender: User });
   * assert(created.disconnect(table, { sender: User }));
   * ```
   */
  disconnect<From extends Sender>(
    receiver: Receiver<Params, Sender, Response, HeardSender<Sender, From>>,
    options: DisconnectOptions<Sender> & ForSender<From>,
  ): boolean;
  /**
   * Disconnects the registration that `options.uniqueId` and `options.sender`
   * identify, whichever receiver it holds.
   *
   * @param options The `uniqueId` and `sender` the receiver was connected with.
   * @returns `true` if a registration was removed, `false` if none matched.
   * @throws {TypeError} If `options` is not an object or has no valid `uniqueId`.
   *
   * @example Disconnect by id alone
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assert } from "@std/assert";
   *
   * const saved = new Signal<Record<never, never>, string>();
   * saved.connect(() => {}, { uniqueId: "audit", sender: "db" });
   * assert(saved.disconnect({ uniqueId: "audit", sender: "db" }));
   * ```
   */
  disconnect(
    options: DisconnectOptions<Sender> & { readonly uniqueId: UniqueId },
  ): boolean;
  disconnect(
    receiverOrOptions:
      | Receiver<Params, Sender, Response>
      | DisconnectOptions<Sender>,
    options?: DisconnectOptions<Sender>,
  ): boolean {
    const action = this.#actions.disconnect;
    let receiver: Receiver<Params, Sender, Response> | undefined;
    if (typeof receiverOrOptions === "function") {
      receiver = receiverOrOptions;
    } else if (isObject(receiverOrOptions) && options === undefined) {
      options = receiverOrOptions;
    } else {
      throw new TypeError(
        `${action}: receiver is not a function or an options object`,
      );
    }
    const { sender, uniqueId } = readOptions<Sender>(options, action);
    const key = uniqueId ?? receiver;
    if (key === undefined) {
      throw new TypeError(
        `${action}: options.uniqueId is required when no receiver is given`,
      );
    }
    return this.#registry.disconnect(key, sender);
  }

  /**
   * Sends the signal: calls each receiver connected for any sender or for
   * `sender`, in connection order, with the params plus `signal` and `sender`.
   *
   * Who is called is fixed when the send starts. A receiver that throws stops
   * the send: its error propagates and later receivers are not called.
   *
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender.
   * @param params The named values every receiver gets; may be left out when
   * no key is required.
   * @returns A `[receiver, response]` pair per receiver called, in call order.
   * @throws {TypeError} If `params` is not a plain object or has a `signal`
   * or `sender` key. No receiver is called then.
   *
   * @example Collect responses
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<{ id: number }, string, number>();
   * saved.connect(({ id }) => id * 2);
   * assertEquals(saved.send("db", { id: 21 }).map(([, n]) => n), [42]);
   * ```
   */
  send<From extends Sender>(
    sender: From,
    ...params: SendParams<Params>
  ): Responses<Params, Sender, Response, From>;
  send(
    sender: Sender,
    params?: Params,
  ): Responses<Params, Sender, Response> {
    checkParams(params, this.#actions.send);
    if (this.#mutes !== undefined) return this.#muted(sender, params);
    const callees = this.#registry.callListFor(sender);
    if (typeof callees === "function") {
      const receiver = callees as Receiver<Params, Sender, Response>;
      return [[receiver, receiver(this.#receiverArgs(sender, params))]];
    }
    const receivers = callees.receivers as readonly Receiver<
      Params,
      Sender,
      Response
    >[];
    const count = receivers.length;
    if (count === 0) return [];
    const args = this.#receiverArgs(sender, params);
    if (callees.claims !== null) return callClaimingOnce(callees, args, []);
    if (count === 1) {
      const receiver = receivers[0]!;
      return [[receiver, receiver(args)]];
    }
    const responses: Responses<Params, Sender, Response> = new Array(count);
    for (let i = 0; i < count; i++) {
      const receiver = receivers[i]!;
      responses[i] = [receiver, receiver(args)];
    }
    return responses;
  }

  /**
   * Sends the signal like {@linkcode Signal.prototype.send}, but calls every
   * receiver even when some throw, as Django's `send_robust` does.
   *
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender.
   * @param params The named values every receiver gets; may be left out when
   * no key is required.
   * @returns A `[receiver, outcome]` pair per receiver called, in call order;
   * each outcome is `{ status: "fulfilled", value }` or
   * `{ status: "rejected", reason }`, like a `PromiseSettledResult`.
   * @throws {TypeError} If `params` is not a plain object or has a `signal`
   * or `sender` key. No receiver is called then.
   *
   * @example Keep going past a failing receiver
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<Record<never, never>, string, string>();
   * saved.connect(() => {
   *   throw new Error("disk full");
   * });
   * saved.connect(() => "indexed");
   *
   * const outcomes = saved.sendRobust("db").map(([, outcome]) => outcome.status);
   * assertEquals(outcomes, ["rejected", "fulfilled"]);
   * ```
   */
  sendRobust<From extends Sender>(
    sender: From,
    ...params: SendParams<Params>
  ): RobustResponses<Params, Sender, Response, From>;
  sendRobust(
    sender: Sender,
    params?: Params,
  ): RobustResponses<Params, Sender, Response> {
    return this.#sendRobust(sender, params);
  }

  /** sendRobust(), which sendAsyncRobust() calls however a subclass overrides it. */
  #sendRobust(
    sender: Sender,
    params: Params | undefined,
  ): RobustResponses<Params, Sender, Response> {
    checkParams(params, this.#actions.send);
    if (this.#mutes !== undefined) return this.#muted(sender, params);
    const { receivers, claims } = asCallList(
      this.#registry.callListFor(sender),
    );
    const outcomes: RobustResponses<Params, Sender, Response> = [];
    if (receivers.length === 0) return outcomes;
    const args = this.#receiverArgs(sender, params);
    for (let i = 0; i < receivers.length; i++) {
      if (claims?.[i]?.claim(args) === false) continue;
      const receiver = receivers[i] as Receiver<Params, Sender, Response>;
      try {
        outcomes.push([receiver, {
          status: "fulfilled",
          value: receiver(args),
        }]);
      } catch (reason) {
        outcomes.push([receiver, { status: "rejected", reason }]);
      }
    }
    return outcomes;
  }

  /**
   * Sends the signal to receivers that may be async, as Django's `asend`
   * does: calls each receiver in connection order, then awaits all their
   * results together.
   *
   * A receiver that throws synchronously stops the send, as in
   * {@linkcode Signal.prototype.send}; the promise then rejects with its
   * error, and what earlier receivers returned is not awaited: a rejection
   * among it is ignored, as `Promise.all` ignores all but the first.
   *
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender.
   * @param params The named values every receiver gets; may be left out when
   * no key is required.
   * @returns A promise of a `[receiver, awaited response]` pair per receiver
   * called, in call order. It rejects with the first failure, and with a
   * `TypeError` (before any receiver is called) if `params` is not a plain
   * object or has a `signal` or `sender` key.
   *
   * @example Await async receivers
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const fetched = new Signal<{ url: string }, null, number | Promise<number>>();
   * fetched.connect(async ({ url }) => await Promise.resolve(url.length));
   * fetched.connect(() => 0);
   *
   * const responses = await fetched.sendAsync(null, { url: "/home" });
   * assertEquals(responses.map(([, length]) => length), [5, 0]);
   * ```
   */
  sendAsync<From extends Sender>(
    sender: From,
    ...params: SendParams<Params>
  ): Promise<AsyncResponses<Params, Sender, Response, From>>;
  async sendAsync(
    sender: Sender,
    params?: Params,
  ): Promise<AsyncResponses<Params, Sender, Response>> {
    checkParams(params, this.#actions.send);
    if (this.#mutes !== undefined) return this.#muted(sender, params);
    const callList = asCallList(this.#registry.callListFor(sender));
    const responses: Responses<Params, Sender, Response> = [];
    if (callList.receivers.length === 0) return [];
    const args = this.#receiverArgs(sender, params);
    try {
      callClaimingOnce(callList, args, responses);
    } catch (error) {
      // Nothing will await the earlier promises: a rejection among them
      // must not go unhandled, which would end the process.
      for (const [, response] of responses) ignoreRejection(response);
      throw error;
    }
    const values = await settleAll(
      responses.map(([, response]) => response),
      false,
    );
    const settled = responses as unknown as AsyncResponses<
      Params,
      Sender,
      Response
    >;
    for (let i = 0; i < values.length; i++) {
      settled[i]![1] = values[i] as Awaited<Response>;
    }
    return settled;
  }

  /**
   * Sends the signal to receivers that may be async, calling and awaiting
   * every one of them even when some throw or reject.
   *
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender.
   * @param params The named values every receiver gets; may be left out when
   * no key is required.
   * @returns A promise of a `[receiver, outcome]` pair per receiver called, in
   * call order, each outcome a `PromiseSettledResult`. It rejects only with a
   * `TypeError` (before any receiver is called) if `params` is not a plain
   * object or has a `signal` or `sender` key.
   *
   * @example Collect every outcome
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const synced = new Signal<Record<never, never>, null, Promise<string>>();
   * synced.connect(() => Promise.reject(new Error("offline")));
   * synced.connect(() => Promise.resolve("synced"));
   *
   * const outcomes = await synced.sendAsyncRobust(null);
   * assertEquals(outcomes.map(([, outcome]) => outcome.status), ["rejected", "fulfilled"]);
   * ```
   */
  sendAsyncRobust<From extends Sender>(
    sender: From,
    ...params: SendParams<Params>
  ): Promise<AsyncRobustResponses<Params, Sender, Response, From>>;
  async sendAsyncRobust(
    sender: Sender,
    params?: Params,
  ): Promise<AsyncRobustResponses<Params, Sender, Response>> {
    const outcomes = this.#sendRobust(sender, params);
    const settled = await settleAll(
      outcomes.map(([, outcome]) =>
        outcome.status === "fulfilled"
          ? outcome.value
          : Promise.reject(outcome.reason)
      ),
      true,
    );
    return outcomes.map(([receiver], i) => [
      receiver,
      settled[i] as PromiseSettledResult<Awaited<Response>>,
    ]);
  }

  /**
   * Tells whether a send from `sender` would call any receiver, as Django's
   * `has_listeners` and blinker's `has_receivers_for` do.
   *
   * @param sender The sender to ask about; left out, a send without a sender.
   * @returns `true` if at least one receiver would be called.
   *
   * @example Skip building params nobody hears
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assert, assertFalse } from "@std/assert";
   *
   * const saved = new Signal<Record<never, never>, string>();
   * saved.connect(() => {}, { sender: "db" });
   * assert(saved.hasReceivers("db"));
   * assertFalse(saved.hasReceivers("cache"));
   * assertFalse(saved.hasReceivers());
   * ```
   */
  hasReceivers(sender?: Sender): boolean {
    return this.#registry.hasReceivers(sender);
  }

  /**
   * Lists the receivers a send from `sender` would call, in call order.
   *
   * @param sender The sender to ask about; left out, a send without a sender.
   * @returns A new array of receivers.
   *
   * @example List receivers
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<Record<never, never>, string>();
   * const log = () => {};
   * const index = () => {};
   * saved.connect(index, { sender: "db" });
   * saved.connect(log);
   * assertEquals(saved.receivers("db"), [index, log]);
   * assertEquals(saved.receivers(), [log]);
   * ```
   */
  receivers<From extends Sender = Sender>(
    sender?: From,
  ): Receiver<Params, Sender, Response, From>[] {
    return receiversOf(this.#registry.callListFor(sender)) as Receiver<
      Params,
      Sender,
      Response
    >[];
  }

  /**
   * Disconnects every registration, or, given a sender, every registration
   * connected for that sender.
   *
   * @param sender The sender whose registrations to remove; left out, all of them.
   * @returns How many registrations were removed.
   *
   * @example Disconnect everything
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<Record<never, never>, string>();
   * saved.connect(() => {});
   * saved.connect(() => {}, { sender: "db" });
   * assertEquals(saved.disconnectAll("db"), 1);
   * assertEquals(saved.disconnectAll(), 1);
   * assertEquals(saved.send("db"), []);
   * ```
   */
  disconnectAll(sender?: Sender): number {
    return this.#registry.disconnectAll(sender);
  }

  /**
   * Waits for the next send that reaches it, as Node's `events.once` does,
   * from `options.sender` or from any sender.
   *
   * It listens from this call on, in connection order after the receivers
   * connected so far, but it is not a receiver: it is in no send's results
   * and no `receivers()` list, and `disconnectAll()` leaves it alone. A send
   * already under way does not resolve it; every pending `next()` resolves
   * on the same send. A waiter for an object sender does not keep the
   * sender alive: if the sender is collected first, it never resolves.
   * A promise adopts a value with a `then` method: if the params have a
   * `then` function, wait for the sends with `events()` instead.
   *
   * Given a `sender`, the argument's `sender` has the type of the sender
   * given, which may be narrower than `Sender`, as in
   * {@linkcode Signal.prototype.connect}.
   *
   * @typeParam From The type of `options.sender`.
   * @param options `sender` to wait for one sender; `signal` to stop waiting.
   * @returns A promise of the receiver argument of that send, the very object
   * its receivers get. It rejects with `options.signal`'s reason when that
   * aborts (at once if it has), and with a `TypeError`, listening to
   * nothing, if `options` is not an object or `options.signal` is not an
   * AbortSignal.
   *
   * @example Await a connection stopping
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * class Server {}
   * const stopped = new Signal<{ id: number }, Server>();
   * const server = new Server();
   *
   * const next = stopped.next({ sender: server });
   * stopped.send(new Server(), { id: 1 });
   * stopped.send(server, { id: 2 });
   * const { id, sender } = await next;
   * assertEquals([id, sender], [2, server]);
   * ```
   */
  next<From extends Sender>(
    options: NextOptions<Sender> & ForSender<From>,
  ): Promise<ReceiverArgs<Params, Sender, Response, HeardSender<Sender, From>>>;
  /**
   * Waits for the next send that reaches it, from any sender, or, given
   * `options.sender`, from that sender, with the argument typed for any
   * `Sender`.
   *
   * @param options `sender` to wait for one sender; `signal` to stop waiting.
   * @returns A promise of the receiver argument of that send, the very object
   * its receivers get. It rejects with `options.signal`'s reason when that
   * aborts (at once if it has), and with a `TypeError`, listening to
   * nothing, if `options` is not an object or `options.signal` is not an
   * AbortSignal.
   *
   * @example Await any send
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const saved = new Signal<{ id: number }, string>();
   * const next = saved.next();
   * saved.send("db", { id: 1 });
   * assertEquals((await next).sender, "db");
   * ```
   */
  next(
    options?: NextOptions<Sender>,
  ): Promise<ReceiverArgs<Params, Sender, Response>>;
  next(
    options?: NextOptions<Sender>,
  ): Promise<ReceiverArgs<Params, Sender, Response>> {
    let choices: WaitChoices<Sender>;
    try {
      choices = readWaitOptions<Sender>(options, this.#actions.next);
    } catch (error) {
      return Promise.reject(error);
    }
    const { sender, abortSignal } = choices;
    if (abortSignal !== undefined && abortedOf.call(abortSignal)) {
      return Promise.reject(reasonOf.call(abortSignal));
    }
    return new Promise((resolve, reject) => {
      this.#registry.wait(
        {
          hear(args) {
            resolve(args as ReceiverArgs<Params, Sender, Response>);
            return false;
          },
          aborted: reject,
        },
        sender,
        abortSignal,
      );
    });
  }

  /**
   * Listens to every send that reaches it, from `options.sender` or from any
   * sender, as an async iterator of their receiver arguments in send order,
   * as Node's `events.on` and emittery's `events()` do.
   *
   * It listens from this call on, not from its first `next()`, and holds
   * the sends that arrive between awaits. Like `next()`'s waiter, it is not
   * a receiver. `using`, `break` and `return()` stop it; so does an abort of
   * `options.signal`, after which its pending and later `next()` calls
   * reject with the signal's reason. With `options.limit`, a send that would
   * make it hold more is not queued: it stops listening, yields what it
   * holds, then rejects with a `RangeError`. The sender is never affected.
   *
   * Given a `sender`, each argument's `sender` has the type of the sender
   * given, which may be narrower than `Sender`, as in
   * {@linkcode Signal.prototype.connect}.
   *
   * @typeParam From The type of `options.sender`.
   * @param options `sender` to hear one sender; `signal` to stop; `limit` to bound what it holds.
   * @returns The iterator, which is also `Disposable`.
   * @throws {TypeError} If `options` is not an object, `options.signal` is
   * not an AbortSignal, or `options.limit` is not a positive integer; it then
   * listens to nothing.
   *
   * @example Iterate over sends
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const ticked = new Signal<{ n: number }, string>();
   * const seen: number[] = [];
   * {
   *   using events = ticked.events({ sender: "clock" });
   *   ticked.send("clock", { n: 1 });
   *   ticked.send("other", { n: 2 });
   *   ticked.send("clock", { n: 3 });
   *   for await (const { n } of events) {
   *     seen.push(n);
   *     if (n === 3) break;
   *   }
   * }
   * assertEquals(seen, [1, 3]);
   * ```
   */
  events<From extends Sender>(
    options: EventsOptions<Sender> & ForSender<From>,
  ): SignalEvents<Params, Sender, Response, HeardSender<Sender, From>>;
  /**
   * Listens to every send that reaches it, from any sender, or, given
   * `options.sender`, from that sender, with each argument typed for any
   * `Sender`.
   *
   * @param options `sender` to hear one sender; `signal` to stop; `limit` to bound what it holds.
   * @returns The iterator, which is also `Disposable`.
   * @throws {TypeError} If `options` is not an object, `options.signal` is
   * not an AbortSignal, or `options.limit` is not a positive integer; it then
   * listens to nothing.
   *
   * @example Iterate over sends from any sender
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals } from "@std/assert";
   *
   * const ticked = new Signal<{ n: number }, string>();
   * using events = ticked.events();
   * ticked.send("clock", { n: 1 });
   * assertEquals((await events.next()).value?.sender, "clock");
   * ```
   */
  events(
    options?: EventsOptions<Sender>,
  ): SignalEvents<Params, Sender, Response>;
  events(
    options?: EventsOptions<Sender>,
  ): SignalEvents<Params, Sender, Response> {
    const action = this.#actions.events;
    const { sender, abortSignal, limit } = readWaitOptions<Sender>(
      options,
      action,
    );
    return new EventQueue<ReceiverArgs<Params, Sender, Response>>(
      this.#name === undefined ? "the signal" : JSON.stringify(this.#name),
      limit,
      abortSignal !== undefined && abortedOf.call(abortSignal)
        ? { reason: reasonOf.call(abortSignal) }
        : (hooks) => this.#registry.wait(hooks, sender, abortSignal),
    );
  }

  /**
   * Mutes the signal, as blinker's `muted()` does: until every handle it
   * returned is disposed, a send calls nobody, resolves no waiter and
   * returns `[]` (the async sends resolve to `[]`). Registrations stay as
   * they are, and bad params are still a `TypeError`.
   *
   * @returns A handle whose disposal ends this mute; disposing it twice is harmless.
   *
   * @example Quiet a signal for a block
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assert, assertEquals, assertFalse } from "@std/assert";
   *
   * const saved = new Signal();
   * saved.connect(() => "heard");
   * {
   *   using _quiet = saved.mute();
   *   assert(saved.muted);
   *   assertEquals(saved.send(null), []);
   * }
   * assertFalse(saved.muted);
   * assertEquals(saved.send(null).length, 1);
   * ```
   */
  mute(): Disposable {
    const mutes = this.#mutes ??= new Set();
    const handle = {
      [Symbol.dispose]: () => {
        if (mutes.delete(handle) && mutes.size === 0) this.#mutes = undefined;
      },
    };
    mutes.add(handle);
    return handle;
  }

  /**
   * Whether a {@linkcode Signal.prototype.mute} handle is still undisposed.
   *
   * @example Read it
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assert, assertFalse } from "@std/assert";
   *
   * const saved = new Signal();
   * const quiet = saved.mute();
   * assert(saved.muted);
   * quiet[Symbol.dispose]();
   * assertFalse(saved.muted);
   * ```
   */
  get muted(): boolean {
    return this.#mutes !== undefined;
  }

  /** What Deno's `console.log` and `Deno.inspect` print. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#inspect();
  }

  /** What Node's `console.log` and `util.inspect` print. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#inspect();
  }

  #inspect(): string {
    const fields = [
      ...this.#name === undefined
        ? []
        : [`name: ${JSON.stringify(this.#name)}`],
      ...this.muted ? ["muted: true"] : [],
    ];
    return fields.length === 0
      ? "Signal {}"
      : `Signal { ${fields.join(", ")} }`;
  }
}
