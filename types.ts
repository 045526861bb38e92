/**
 * The public types of {@linkcode Signal}: what receivers get, what the
 * options and the sends take, and what the sends return.
 *
 * @module
 */

import type { Signal } from "./signal.ts";
import type { NoReservedKeys, ReservedKeysDeclaredIn } from "./_params.ts";

export type {
  NoReservedKeys,
  ReservedKeysDeclaredIn,
  SendArgs,
  SendParams,
} from "./_params.ts";

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
 * What a Signal's params type must be: an object type that does not use the
 * reserved keys `signal` and `sender`, not even as an optional key of type
 * `undefined`.
 *
 * `Signal` checks its params type against `SignalParams<Params>`; written
 * without a type argument, as in `<P extends SignalParams>`, it is the rule
 * for a params type not yet known.
 *
 * @typeParam Self The params type being checked.
 *
 * @example A params type
 * ```ts
 * import type { SignalParams } from "@signalry/signalry";
 *
 * type Saved = { id: number };
 * const savedIsParams: Saved extends SignalParams<Saved> ? true : false = true;
 * const withSender: { sender: string } extends SignalParams ? true : false = false;
 * type Undefined = { id: number; sender?: undefined };
 * const undefinedSender: Undefined extends SignalParams<Undefined> ? true : false =
 *   false;
 * ```
 */
export type SignalParams<Self = Record<never, never>> =
  & object
  & NoReservedKeys
  & ReservedKeysDeclaredIn<Self>;

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
 * @typeParam From Who this receiver hears: `Sender`, or the type of the
 * `sender` it was connected for when that is narrower (a subclass, a literal).
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
 * @typeParam From Who this receiver hears: `Sender`, or the type of the
 * `sender` it was connected for when that is narrower (a subclass, a literal).
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
 * A receiver as a signal hands it back, from `receivers()` and in the pairs
 * a send returns. It may have been connected for one sender only (a
 * subclass, a literal), so what its argument's `sender` may be is not known:
 * it is typed `never`, and the receiver cannot be called. It can be compared
 * with a receiver (`includes`, `===`), listed, and disconnected. Every
 * {@linkcode Receiver} of the signal is one.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What the receiver returns.
 *
 * @ignore
 */
export type ConnectedReceiver<
  Params extends SignalParams,
  Sender = unknown,
  Response = unknown,
> = Receiver<Params, Sender, Response, never>;

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
 * `Options & { readonly sender: From }` (`From extends Sender`) and type what they
 * hand over with `HeardSender<Sender, From>`, then a second overload for
 * every other call, typed with `Sender`.
 *
 * @typeParam Sender Who may send.
 * @typeParam From The type of the `sender` option.
 *
 * @ignore
 */
export type HeardSender<Sender, From> = undefined extends From ? Sender
  : From;

/**
 * Options of {@linkcode Signal.prototype.connect}. Each may be `undefined`,
 * which means the same as leaving it out, with `exactOptionalPropertyTypes`
 * too. A key not listed here is a `TypeError` that names it.
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
   * called at most once, even when it sends the same signal again.
   */
  readonly once?: boolean | undefined;
  /**
   * Remove the registration when this signal aborts; an already aborted
   * signal connects nothing. Once it has aborted, the receiver hears no
   * send, not even one made by an abort listener that ran before ours.
   *
   * signalry puts one listener on an AbortSignal however many registrations
   * of however many Signals share it, so connect, disconnect and abort stay
   * O(1) each and Node prints no `MaxListenersExceededWarning`; the listener
   * goes with the last of them. An `abort` event dispatched to a signal that
   * has not aborted ends nothing. A copy of signalry loaded both as ESM and
   * through `require()` in one process is two copies, each with its own
   * registrations: an AbortSignal both use gets one listener per copy.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Hear only sends made in this process, never one that a relay brings
   * from another: a welcome email goes out once, not once per process.
   */
  readonly local?: boolean | undefined;
  /**
   * With `uniqueId`: swap the receiver of the registration already under
   * that id in place, for hot reload. It keeps its place in connection
   * order and its other options, and Connections made before still end
   * it. With nothing under that id, connect as usual. Without `uniqueId`,
   * a `TypeError`.
   */
  readonly replace?: boolean | undefined;
}

/**
 * Options of {@linkcode Signal.prototype.disconnect}: they name the
 * registration the way {@linkcode ConnectOptions} named it. Each may be
 * `undefined`, which means the same as leaving it out, with
 * `exactOptionalPropertyTypes` too. The other keys of `ConnectOptions` are
 * accepted, so that one object may serve both; any other key is a
 * `TypeError` that names it.
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
 * What {@linkcode Signal.prototype.send} returns: a `[receiver, response]`
 * pair per receiver called, in the order they were called. Each receiver
 * may have been connected for a narrower sender, so it is typed so that it
 * cannot be called: compare it with a receiver (`includes`, `===`) or
 * disconnect it.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns.
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
> = Array<[ConnectedReceiver<Params, Sender, Response>, Response]>;

/**
 * What {@linkcode Signal.prototype.sendRobust} returns: a
 * `[receiver, outcome]` pair per receiver called, each outcome shaped like a
 * `PromiseSettledResult`. Compare each receiver; it cannot be called, as in
 * {@linkcode Responses}.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns.
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
> = Array<
  [ConnectedReceiver<Params, Sender, Response>, PromiseSettledResult<Response>]
>;

/**
 * What {@linkcode Signal.prototype.sendAsync} resolves to: a
 * `[receiver, awaited response]` pair per receiver called. Compare each
 * receiver; it cannot be called, as in {@linkcode Responses}.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns (a promise or not).
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
> = Array<[ConnectedReceiver<Params, Sender, Response>, Awaited<Response>]>;

/**
 * What {@linkcode Signal.prototype.sendAsyncRobust} resolves to: a
 * `[receiver, outcome]` pair per receiver called, each outcome a
 * `PromiseSettledResult` of the awaited response. Compare each receiver; it
 * cannot be called, as in {@linkcode Responses}.
 *
 * @typeParam Params The named values a sender passes.
 * @typeParam Sender Who may send.
 * @typeParam Response What each receiver returns (a promise or not).
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
> = Array<
  [
    ConnectedReceiver<Params, Sender, Response>,
    PromiseSettledResult<Awaited<Response>>,
  ]
>;

/**
 * A receiver of some signal, seen from code that does not know which: it can
 * be compared and listed, but not called, since what it takes is unknown.
 * Every {@linkcode Receiver} is one.
 *
 * @ignore
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
 * a sender would reach anyone, list receivers (to compare, not to call),
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
  /** Whether a mute that `mute()` began has not ended yet. */
  readonly muted: boolean;
  /**
   * Mutes the signal until every mute it began has ended.
   *
   * @returns A handle whose `unmute()`, or disposal, ends this mute.
   */
  mute(): Mute;
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
 * It keeps alive only its own receiver (or `uniqueId`): not its sender, not
 * the sender's other registrations, not those `disconnectAll()` removed;
 * disconnected, nothing. Once its sender is collected, or its registration
 * ended another way, it reports `connected: false`. `console.log` prints
 * `Connection { connected: true }`.
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
 * The handle {@linkcode Signal.prototype.mute} returns: `unmute()`, or
 * leaving the block it was bound in with `using`, ends that mute and no
 * other; `[Symbol.dispose]()` is the same operation. `unmute()` works where
 * `using` does not, as on Node 20.
 *
 * @example End a mute without `using`
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal();
 * saved.connect(() => "heard");
 * const quiet = saved.mute();
 * assertEquals(saved.send(null), []);
 * quiet.unmute();
 * assertEquals(saved.send(null).length, 1);
 * ```
 */
export interface Mute extends Disposable {
  /** Ends this mute; a second call changes nothing. */
  unmute(): void;
}

/**
 * Options of `new Signal()`. `name` may be `undefined`, meaning left out;
 * any other key is a `TypeError` that names it. A string alone
 * (`new Signal("saved")`, blinker's habit) is a `TypeError` that says to
 * write `new Signal({ name: "saved" })`.
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
 * Options of {@linkcode Signal.prototype.next}. Each may be `undefined`,
 * meaning left out, with `exactOptionalPropertyTypes` too; a key not listed
 * here is a `TypeError` that names it (`timeout` says to pass
 * `signal: AbortSignal.timeout(ms)`).
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
   * reason, at once if it has already aborted, whatever has been collected
   * meanwhile (the Signal, the sender). Until then the AbortSignal holds the
   * waiter and its promise, never the Signal or the sender. Once it has
   * aborted, no send reaches the waiter, not even one made by an earlier
   * abort listener.
   */
  readonly signal?: AbortSignal | undefined;
  /** Hear only sends made in this process, never one that a relay brings. */
  readonly local?: boolean | undefined;
}

/**
 * Options of {@linkcode Signal.prototype.events}: those of
 * {@linkcode NextOptions}, and `limit`. Each may be `undefined`, meaning
 * left out; a key not listed is a `TypeError` that names it.
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
 * @typeParam From Who it hears: `Sender`, or the type of the `sender` it
 * listens to when that is narrower (a subclass, a literal).
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
