/**
 * The {@linkcode Signal} class. Its types are in `types.ts`; what it is
 * made of, in the `_`-prefixed files.
 *
 * @module
 */

import { EventQueue } from "./_event_queue.ts";
import {
  type Actions,
  actionsOf,
  readOptions,
  readSignalOptions,
  readWaitOptions,
  UNNAMED,
  type WaitChoices,
} from "./_options.ts";
import {
  checkKeysToCopy,
  checkParams,
  receiverArgs,
  type SendArgs,
} from "./_params.ts";
import {
  type CallList,
  isObject,
  Registry,
  type WaiterHooks,
} from "./_registry.ts";
import { openPort, type Outlet } from "./_relay_port.ts";
import type {
  AnySignal,
  AsyncResponses,
  AsyncRobustResponses,
  ConnectedReceiver,
  Connection,
  ConnectOptions,
  DisconnectOptions,
  EventsOptions,
  HeardSender,
  Mute,
  NextOptions,
  Receiver,
  ReceiverArgs,
  Responses,
  RobustResponses,
  SignalEvents,
  SignalOptions,
  SignalParams,
  UniqueId,
} from "./types.ts";

const promiseThen = Promise.prototype.then;

function ignore(): void {}

/**
 * What `response` settles to, for `Promise.all` and `Promise.allSettled`:
 * a promise as a native promise that Promise's own `then` settles, so that
 * a subclass's `then` never runs; anything else as it is, for them to
 * resolve (a thenable whose `then` throws then rejects).
 */
function settled(response: unknown): unknown {
  try {
    if (response instanceof Promise) {
      return new Promise((resolve, reject) => {
        promiseThen.call(response, resolve, reject);
      });
    }
  } catch (error) {
    // A revoked Proxy: nothing to wait for but its error.
    return Promise.reject(error);
  }
  return response;
}

/**
 * The hooks of a `next()` waiter: a module function, so that they close
 * over the promise's resolve and reject and nothing else (an AbortSignal's
 * watch holds them while they wait; it must not hold the Signal).
 */
function settleOnce(
  resolve: (args: never) => void,
  reject: (reason: unknown) => void,
): WaiterHooks {
  return {
    hear(args) {
      resolve(args as never);
      return false;
    },
    aborted: reject,
  };
}

/**
 * Calls each step of `steps` with `args`, pushing each `[receiver,
 * response]` onto `responses` as it goes, so that a caller still has them
 * when a receiver throws. A Stop (a `once` registration, a Waiter) hears
 * the send in its place and says which receiver, if any, to call.
 */
function callSteps<Args, Response>(
  steps: CallList["steps"] & object,
  args: Args,
  responses: Array<[(args: Args) => Response, Response]>,
): Array<[(args: Args) => Response, Response]> {
  for (const step of steps) {
    const receiver =
      (typeof step === "function" ? step : step.hearSend(args)) as
        | ((args: Args) => Response)
        | undefined;
    if (receiver !== undefined) responses.push([receiver, receiver(args)]);
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
 * any sender or for that sender, and returns each one's response. Senders
 * match as Map keys do (SameValueZero): objects by identity, `NaN` matches
 * `NaN`, `0` matches `-0`.
 *
 * A send walks a snapshot taken when it starts: a receiver connected during
 * it waits for the next send, one disconnected during it is still called by
 * it, and a send from inside a receiver takes its own snapshot.
 *
 * Params are a plain object of named values. `new Signal()` without type
 * arguments is py4j's `Signal()`: any named values but `signal` and
 * `sender`, each read as `unknown`; with declared params, an undeclared key
 * in an object literal is a compile error. What the compiler cannot see
 * (a reserved key in params typed `object` or with an index signature, a
 * class instance) is a `TypeError` at the send.
 *
 * A registration for an object sender does not keep that sender alive,
 * even when its receiver closes over it or it listens to an AbortSignal:
 * when the sender is collected, its registrations go with it, and
 * `disconnectAll()` stops counting them even before finalizers run. One
 * retention is by design: the call list a sender's last send used is kept
 * until its next send or change, so a receiver disconnected since stays
 * reachable until then, or until the sender is collected.
 *
 * A method called without its Signal (`const { send } = signal`, or
 * `addEventListener("click", signal.send)`) throws a `TypeError` that says
 * to bind it or call it from an arrow function.
 *
 * @typeParam Params The named values a sender passes to receivers.
 * @typeParam Sender Who may send; matched as Map keys are.
 * @typeParam Response What each receiver returns.
 *
 * @example A server tells receivers that a session stopped
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * class Server {}
 * class Session {
 *   constructor(readonly id: number) {}
 * }
 *
 * const stopped = new Signal<{ session: Session }, Server, string>();
 * const server = new Server();
 * stopped.connect(({ session }) => `closed #${session.id}`, { sender: server });
 *
 * const responses = stopped.send(server, { session: new Session(1) });
 * assertEquals(responses.map(([, response]) => response), ["closed #1"]);
 * ```
 *
 * @example A send walks a snapshot
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { assertEquals } from "@std/assert";
 *
 * const ticked = new Signal<Record<never, never>, null, string>();
 * const late = () => "late";
 * ticked.connect(() => {
 *   ticked.connect(late);
 *   return "first";
 * });
 * assertEquals(ticked.send(null).map(([, said]) => said), ["first"]);
 * assertEquals(ticked.send(null).map(([, said]) => said), ["first", "late"]);
 * ```
 */
export class Signal<
  in out Params extends SignalParams<Params> = Record<string, unknown>,
  in out Sender = unknown,
  in out Response = unknown,
> implements AnySignal {
  /**
   * Who is connected; undefined until the first connect(), next(),
   * events(), mute() or relay, so that a send to a signal nobody ever
   * listened to (the common case in a big app) tests this one field.
   * Whatever else changes what a send does must make it too.
   */
  #registry: Registry | undefined = undefined;
  readonly #name: string | undefined;
  readonly #actions: Actions;
  /** The mute() handles not yet ended, or undefined when there is none. */
  #mutes: Set<Mute> | undefined = undefined;
  /** What relays plugged in (`_relay_port.ts`), or undefined when none did. */
  #outlets: readonly Outlet[] | undefined = undefined;
  /**
   * Whether a send must do more than call receivers: it is muted, or
   * relayed. The one field a send checks for either.
   */
  #detour = false;

  static {
    openPort({
      plug: (signal, outlet) => {
        if (!Signal.#is(signal)) {
          throw new TypeError("Cannot relay signal: it is not a Signal");
        }
        return signal.#plug(outlet);
      },
      dispatch: (signal, sender, params, onError) => {
        if (Signal.#is(signal)) {
          signal.#dispatchRemote(sender, params, onError);
        }
      },
    });
  }

  /** Whether `value` is a Signal: a method called without one says so. */
  static #is(value: unknown): value is Signal<SignalParams, unknown, unknown> {
    return isObject(value) && #registry in value;
  }

  /** Throws, or rejects, for a method called without its Signal. */
  static #detached(method: string): TypeError {
    return new TypeError(
      `Signal.${method}() was called without its Signal: bind it (signal.${method}.bind(signal)) or call it from an arrow function`,
    );
  }

  /** The registry, made on first use. */
  #registryNow(): Registry {
    return this.#registry ??= new Registry();
  }

  #updateDetour(): void {
    this.#registryNow();
    this.#detour = this.#mutes !== undefined || this.#outlets !== undefined;
  }

  /**
   * A send nobody hears: no receiver's argument is built, so look for the
   * reserved keys it would have caught, for the same answer whoever listens.
   */
  #toNobody(params: Params | undefined): [] {
    checkKeysToCopy(params, this.#actions.send);
    return [];
  }

  #plug(outlet: Outlet): () => void {
    this.#outlets = [...this.#outlets ?? [], outlet];
    this.#updateDetour();
    return () => {
      const outlets = this.#outlets?.filter((plugged) => plugged !== outlet);
      this.#outlets = outlets?.length ? outlets : undefined;
      this.#updateDetour();
    };
  }

  /**
   * What a send does besides calling receivers, once its params passed:
   * false when muted, so that it calls nobody; else it hands the send to
   * each relay, which may refuse it by throwing.
   */
  #beforeReceivers(sender: Sender, params: Params | undefined): boolean {
    if (this.#mutes !== undefined) {
      // Muted, nobody hears it: the same params check as a send to nobody.
      checkKeysToCopy(params, this.#actions.send);
      return false;
    }
    for (const outlet of this.#outlets ?? []) {
      outlet.send(sender, params as Readonly<Record<string, unknown>>);
    }
    return true;
  }

  /** A send from another process, as `_relay_port.ts`'s dispatchRemote() describes. */
  #dispatchRemote(
    sender: unknown,
    params: Readonly<Record<string, unknown>> | undefined,
    onError: (error: unknown) => void,
  ): void {
    if (this.#mutes !== undefined) return;
    const list = this.#registryNow().callListFor(sender);
    const { receivers, steps } = list.remote ?? list;
    if (receivers.length === 0 && steps === null) return;
    let args: object;
    try {
      checkParams(params, this.#actions.send);
      args = receiverArgs(this, sender, params, this.#actions.send);
    } catch (error) {
      return onError(error);
    }
    for (const step of steps ?? receivers) {
      try {
        const receiver = typeof step === "function"
          ? step
          : step.hearSend(args);
        const response = receiver?.(args);
        if (isObject(response)) {
          Promise.resolve(settled(response)).catch(onError);
        }
      } catch (error) {
        onError(error);
      }
    }
  }

  /**
   * Makes a signal, named or not.
   *
   * @param [options] `name` to say in errors and inspection.
   * @throws {TypeError} If `options` is not an object (a string alone: write
   * `new Signal({ name: "saved" })`), has a key other than `name` (the error
   * names it), or `options.name` is not a string.
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
    const name = readSignalOptions(options);
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
    return receiverArgs(
      this,
      sender,
      params,
      this.#actions.send,
    ) as ReceiverArgs<Params, Sender, Response>;
  }

  /**
   * Connects `receiver`, for every sender or only for `options.sender`.
   *
   * A registration is identified by `options.uniqueId` (or, without one, by
   * the receiver) together with its sender. Connecting an identity that is
   * already connected changes nothing (unless `options.replace`) and returns
   * a new handle to that same registration. A receiver connected again
   * after a disconnect comes last in connection order.
   *
   * Given a `sender`, the receiver hears only that sender, so its argument's
   * `sender` has the type of the sender given, which may be narrower than
   * `Sender`: a subclass, or a literal.
   *
   * @typeParam From The type of `options.sender`.
   * @param receiver Called with the params, `signal` and `sender` of each send it hears.
   * @param options See {@linkcode ConnectOptions}: `sender`, `uniqueId`,
   * `once`, `signal`, `local` and `replace`.
   * @returns The connection, to disconnect it with or to bind with `using`.
   * @throws {TypeError} If `receiver` is not a function; `options` is not an
   * object or has a key it does not take (the error names it);
   * `options.uniqueId` is not a string, number or symbol; `options.signal`
   * is not a genuine AbortSignal; `options.once`, `options.local` or
   * `options.replace` is not a boolean; or `options.replace` is given
   * without `options.uniqueId`. Nothing is connected then.
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
    options: ConnectOptions<Sender> & { readonly sender: From },
  ): Connection;
  /** Connects `receiver` for every sender, or only for `options.sender`, and returns its {@linkcode Connection}. */
  connect(
    receiver: Receiver<Params, Sender, Response>,
    options?: ConnectOptions<Sender>,
  ): Connection;
  connect(
    receiver: Receiver<Params, Sender, Response>,
    options?: ConnectOptions<Sender>,
  ): Connection {
    if (!Signal.#is(this)) throw Signal.#detached("connect");
    const action = this.#actions.connect;
    if (typeof receiver !== "function") {
      throw new TypeError(`${action}: receiver is not a function`);
    }
    const choices = readOptions<Sender>(options, action);
    return this.#registryNow().connect(
      receiver,
      choices.uniqueId ?? receiver,
      choices,
    );
  }

  /**
   * Disconnects the registration that `receiver` (or `options.uniqueId`) and
   * `options.sender` identify, as {@linkcode Signal.prototype.connect} named it.
   * Given a `uniqueId`, the receiver may be left out:
   * `disconnect({ uniqueId, sender })`.
   *
   * @param receiver The receiver connected without a `uniqueId`; with one, any function.
   * @param [options] The `sender` and `uniqueId` the receiver was connected with.
   * @returns `true` if a registration was removed, `false` if none matched.
   * @throws {TypeError} If `receiver` is not a function, `options` is not an
   * object or has a key that `connect()` does not take, or an option is not
   * of its type; without a receiver, if `options.uniqueId` is missing.
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
    receiver: Receiver<Params, Sender, Response>,
    options?: DisconnectOptions<Sender>,
  ): boolean;
  /** Disconnects a receiver connected for a narrower `sender`, or one that `receivers()` or a send handed back. */
  disconnect<From extends Sender>(
    receiver: ConnectedReceiver<Params, Sender, Response>,
    options: DisconnectOptions<Sender> & { readonly sender: From },
  ): boolean;
  /** Disconnects the registration that `options.uniqueId` and `options.sender` identify, whichever receiver it holds. */
  disconnect(
    options: DisconnectOptions<Sender> & { readonly uniqueId: UniqueId },
  ): boolean;
  disconnect(
    receiverOrOptions:
      | ConnectedReceiver<Params, Sender, Response>
      | DisconnectOptions<Sender>,
    options?: DisconnectOptions<Sender>,
  ): boolean {
    if (!Signal.#is(this)) throw Signal.#detached("disconnect");
    const action = this.#actions.disconnect;
    let receiver: ConnectedReceiver<Params, Sender, Response> | undefined;
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
    return this.#registry?.disconnect(key, sender) ?? false;
  }

  /**
   * Sends the signal, as `send(sender, params?)`, and returns each
   * receiver's response without awaiting it: for async receivers, use
   * {@linkcode Signal.prototype.sendAsync | sendAsync} or
   * {@linkcode Signal.prototype.sendAsyncRobust | sendAsyncRobust}.
   *
   * It calls each receiver connected for any sender or for `sender`, in
   * connection order, with the params plus `signal` and `sender`. Who is
   * called is fixed when the send starts. A receiver that throws stops the
   * send: its error propagates and later receivers are not called. An async
   * receiver's promise is returned as its response; if it rejects, nothing
   * handles the rejection, which ends a Node or Deno process.
   *
   * @typeParam Sent The type of the params passed, inferred, never written:
   * a reserved key among its keys is refused, even with the value `undefined`.
   * @param args `sender, params?`: who sends, then the named values every
   * receiver gets, which may be left out when no key is required.
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender. It may be left out when the sender type admits
   * `undefined` and no param is required, as in `ready.send()`.
   * @param [params] The named values every receiver gets; optional when the
   * params type has no required key.
   * @returns A `[receiver, response]` pair per receiver called, in call order.
   * @throws {TypeError} If `params` is not a plain object (send `{ date }`,
   * not the `Date`) or has an own `signal` or `sender` key, even one a Proxy
   * hides from `in`. No receiver is called then.
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
   *
   * @example An async receiver's promise comes back unawaited
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assertEquals, assertInstanceOf } from "@std/assert";
   *
   * const saved = new Signal<Record<never, never>, null, Promise<string>>();
   * saved.connect(async () => "indexed");
   * const response = saved.send(null)[0]?.[1];
   * assertInstanceOf(response, Promise);
   * assertEquals(await response, "indexed");
   * ```
   */
  send<Sent = unknown>(
    ...args: SendArgs<Params, Sender, Sent>
  ): Responses<Params, Sender, Response>;
  send(
    sender: Sender = undefined as Sender,
    params?: Params,
  ): Responses<Params, Sender, Response> {
    if (!Signal.#is(this)) throw Signal.#detached("send");
    checkParams(params, this.#actions.send);
    // Small enough for engines to inline: a send to nobody is the common case.
    const registry = this.#registry;
    if (registry === undefined) return this.#toNobody(params);
    return this.#send(registry, sender, params);
  }

  /** send() once params passed checkParams() and the registry exists. */
  #send(
    registry: Registry,
    sender: Sender,
    params: Params | undefined,
  ): Responses<Params, Sender, Response> {
    if (this.#detour && !this.#beforeReceivers(sender, params)) return [];
    const callees = registry.calleesFor(sender);
    if (typeof callees === "function") {
      const receiver = callees as Receiver<Params, Sender, Response>;
      return [[receiver, receiver(this.#receiverArgs(sender, params))]];
    }
    const { receivers, steps } = callees as {
      receivers: readonly Receiver<Params, Sender, Response>[];
      steps: CallList["steps"];
    };
    const count = receivers.length;
    if (count === 0 && steps === null) return this.#toNobody(params);
    const args = this.#receiverArgs(sender, params);
    if (steps !== null) return callSteps(steps, args, []);
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
   * Sends the signal like {@linkcode Signal.prototype.send}, as
   * `sendRobust(sender, params?)`, calling every receiver even when some
   * throw, as Django's `send_robust` does. Like `send`, it does not await:
   * for async receivers, use
   * {@linkcode Signal.prototype.sendAsyncRobust | sendAsyncRobust}.
   *
   * An async receiver's promise is returned as its `fulfilled` value; if it
   * rejects, nothing handles the rejection, which ends a Node or Deno
   * process.
   *
   * @typeParam Sent The type of the params passed, inferred, never written:
   * a reserved key among its keys is refused, even with the value `undefined`.
   * @param args `sender, params?`: who sends, then the named values every
   * receiver gets, which may be left out when no key is required.
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender. It may be left out when the sender type admits
   * `undefined` and no param is required, as in `ready.send()`.
   * @param [params] The named values every receiver gets; optional when the
   * params type has no required key.
   * @returns A `[receiver, outcome]` pair per receiver called, in call order;
   * each outcome is `{ status: "fulfilled", value }` or
   * `{ status: "rejected", reason }`, like a `PromiseSettledResult`.
   * @throws {TypeError} If `params` is not a plain object (send `{ date }`,
   * not the `Date`) or has an own `signal` or `sender` key, even one a Proxy
   * hides from `in`. No receiver is called then.
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
  sendRobust<Sent = unknown>(
    ...args: SendArgs<Params, Sender, Sent>
  ): RobustResponses<Params, Sender, Response>;
  sendRobust(
    sender: Sender = undefined as Sender,
    params?: Params,
  ): RobustResponses<Params, Sender, Response> {
    if (!Signal.#is(this)) throw Signal.#detached("sendRobust");
    return this.#sendRobust(sender, params);
  }

  /** sendRobust(), which sendAsyncRobust() calls however a subclass overrides it. */
  #sendRobust(
    sender: Sender,
    params: Params | undefined,
  ): RobustResponses<Params, Sender, Response> {
    checkParams(params, this.#actions.send);
    const registry = this.#registry;
    if (registry === undefined) return this.#toNobody(params);
    if (this.#detour && !this.#beforeReceivers(sender, params)) return [];
    const { receivers, steps } = registry.callListFor(sender);
    if (receivers.length === 0 && steps === null) return this.#toNobody(params);
    const outcomes: RobustResponses<Params, Sender, Response> = [];
    const args = this.#receiverArgs(sender, params);
    for (const step of steps ?? receivers) {
      const receiver =
        (typeof step === "function" ? step : step.hearSend(args)) as
          | Receiver<Params, Sender, Response>
          | undefined;
      if (receiver === undefined) continue;
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
   * Sends the signal to receivers that may be async, as
   * `sendAsync(sender, params?)` and as Django's `asend` does: calls each
   * receiver in connection order, then awaits all their results together.
   *
   * A receiver that throws synchronously stops the send, as in
   * {@linkcode Signal.prototype.send}; the promise then rejects with its
   * error, and what earlier receivers returned is not awaited: a rejection
   * among it is ignored, as `Promise.all` ignores all but the first.
   *
   * @typeParam Sent The type of the params passed, inferred, never written:
   * a reserved key among its keys is refused, even with the value `undefined`.
   * @param args `sender, params?`: who sends, then the named values every
   * receiver gets, which may be left out when no key is required.
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender. It may be left out when the sender type admits
   * `undefined` and no param is required, as in `ready.send()`.
   * @param [params] The named values every receiver gets; optional when the
   * params type has no required key.
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
  sendAsync<Sent = unknown>(
    ...args: SendArgs<Params, Sender, Sent>
  ): Promise<AsyncResponses<Params, Sender, Response>>;
  async sendAsync(
    sender: Sender = undefined as Sender,
    params?: Params,
  ): Promise<AsyncResponses<Params, Sender, Response>> {
    if (!Signal.#is(this)) throw Signal.#detached("sendAsync");
    checkParams(params, this.#actions.send);
    const registry = this.#registry;
    if (registry === undefined) return this.#toNobody(params);
    if (this.#detour && !this.#beforeReceivers(sender, params)) return [];
    const { receivers, steps } = registry.callListFor(sender);
    if (receivers.length === 0 && steps === null) return this.#toNobody(params);
    const responses: Array<[Receiver<Params, Sender, Response>, Response]> = [];
    const args = this.#receiverArgs(sender, params);
    try {
      callSteps(steps ?? receivers, args, responses);
    } catch (error) {
      // Nothing will await the earlier promises: a rejection among them
      // must not go unhandled, which would end the process.
      for (const [, response] of responses) {
        Promise.resolve(settled(response)).catch(ignore);
      }
      throw error;
    }
    const values = await Promise.all(
      responses.map(([, response]) => settled(response)),
    );
    const awaited = responses as unknown as AsyncResponses<
      Params,
      Sender,
      Response
    >;
    for (let i = 0; i < values.length; i++) {
      awaited[i]![1] = values[i] as Awaited<Response>;
    }
    return awaited;
  }

  /**
   * Sends the signal to receivers that may be async, as
   * `sendAsyncRobust(sender, params?)` and as Django's `asend_robust` does,
   * calling and awaiting every one of them even when some throw or reject.
   *
   * @typeParam Sent The type of the params passed, inferred, never written:
   * a reserved key among its keys is refused, even with the value `undefined`.
   * @param args `sender, params?`: who sends, then the named values every
   * receiver gets, which may be left out when no key is required.
   * @param sender Who sends; `undefined` reaches only receivers connected
   * without a sender. It may be left out when the sender type admits
   * `undefined` and no param is required, as in `ready.send()`.
   * @param [params] The named values every receiver gets; optional when the
   * params type has no required key.
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
  sendAsyncRobust<Sent = unknown>(
    ...args: SendArgs<Params, Sender, Sent>
  ): Promise<AsyncRobustResponses<Params, Sender, Response>>;
  async sendAsyncRobust(
    sender: Sender = undefined as Sender,
    params?: Params,
  ): Promise<AsyncRobustResponses<Params, Sender, Response>> {
    if (!Signal.#is(this)) throw Signal.#detached("sendAsyncRobust");
    const outcomes = this.#sendRobust(sender, params);
    const results = await Promise.allSettled(
      outcomes.map(([, outcome]) =>
        outcome.status === "fulfilled"
          ? settled(outcome.value)
          : Promise.reject(outcome.reason)
      ),
    );
    return outcomes.map(([receiver], i) => [
      receiver,
      results[i] as PromiseSettledResult<Awaited<Response>>,
    ]);
  }

  /**
   * Tells whether a send from `sender` would reach anyone, as Django's
   * `has_listeners` and blinker's `has_receivers_for` do.
   *
   * It counts what `next()` and `events()` wait with too, so it is true
   * while only a `next()` waits, though `receivers()` and the send results
   * list receivers only: a waiter is not a receiver, so that a send never
   * gets an `undefined` response from someone merely waiting. While muted,
   * it answers as it would unmuted.
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
    if (!Signal.#is(this)) throw Signal.#detached("hasReceivers");
    if (this.#outlets !== undefined) return true;
    return this.#registry?.hasReceivers(sender) ?? false;
  }

  /**
   * Lists the receivers a send from `sender` would call, in call order,
   * without `next()` and `events()`, which are not receivers. While muted, it
   * answers as it would unmuted.
   *
   * Each may have been connected for one sender only, narrower than the
   * argument's type, so each is typed so that it cannot be called: compare
   * it with a receiver (`includes`, `===`) or disconnect it.
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
   *
   * @example Compare a receiver connected for a subclass, do not call it
   * ```ts
   * import { Signal } from "@signalry/signalry";
   * import { assert } from "@std/assert";
   *
   * class Model {}
   * class User extends Model {}
   * const created = new Signal<Record<never, never>, typeof Model, string>();
   * const welcome = () => "welcome";
   * created.connect(welcome, { sender: User });
   * const model: typeof Model = User;
   * const heard = created.receivers(model);
   * assert(heard.includes(welcome));
   * const args = { signal: created, sender: Model };
   * // @ts-expect-error it may hear User only, so it cannot be called with Model
   * heard[0]?.(args);
   * ```
   */
  receivers(sender?: Sender): ConnectedReceiver<Params, Sender, Response>[] {
    if (!Signal.#is(this)) throw Signal.#detached("receivers");
    return (this.#registry?.receiversFor(sender) ?? []) as Receiver<
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
    if (!Signal.#is(this)) throw Signal.#detached("disconnectAll");
    return this.#registry?.disconnectAll(sender) ?? 0;
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
   * sender alive: if the sender is collected first, no send resolves it,
   * but an abort of `options.signal` still rejects it.
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
   * nothing, if `options` is not an object, has a key it does not take (the
   * error names it), or `options.signal` is not an AbortSignal or
   * `options.local` not a boolean.
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
    options: NextOptions<Sender> & { readonly sender: From },
  ): Promise<ReceiverArgs<Params, Sender, Response, HeardSender<Sender, From>>>;
  /** Waits for the next send from any sender, or from `options.sender`. */
  next(
    options?: NextOptions<Sender>,
  ): Promise<ReceiverArgs<Params, Sender, Response>>;
  next(
    options?: NextOptions<Sender>,
  ): Promise<ReceiverArgs<Params, Sender, Response>> {
    if (!Signal.#is(this)) return Promise.reject(Signal.#detached("next"));
    let choices: WaitChoices<Sender>;
    try {
      choices = readWaitOptions<Sender>(options, this.#actions.next, "next");
    } catch (error) {
      return Promise.reject(error);
    }
    const registry = this.#registryNow();
    return new Promise((resolve, reject) => {
      registry.wait(settleOnce(resolve, reject), choices);
    });
  }

  /**
   * Listens to every send that reaches it, from `options.sender` or from any
   * sender, as an async iterator of their receiver arguments in send order,
   * as Node's `events.on` and emittery's `events()` do.
   *
   * It listens from this call on, not from its first `next()`, and holds
   * the sends that arrive between awaits, in the order they reach it: one
   * sent from inside a receiver called before it arrives before the send
   * that called that receiver. Like `next()`'s waiter, it is not a receiver.
   * `using`, `break` and `return()` stop it. Without `options.limit`, an
   * iterator you forget keeps every send it hears, so stop it. An abort of
   * `options.signal` drops what it holds and rejects its pending and later
   * `next()` calls with the signal's reason, at once, whatever has been
   * collected. With `options.limit`, a send that would make it hold more is
   * not queued: it stops listening, yields what it holds, then rejects with
   * a `RangeError`. The sender is never affected.
   *
   * Given a `sender`, each argument's `sender` has the type of the sender
   * given, which may be narrower than `Sender`, as in
   * {@linkcode Signal.prototype.connect}.
   *
   * @typeParam From The type of `options.sender`.
   * @param options `sender` to hear one sender; `signal` to stop; `limit` to bound what it holds.
   * @returns The iterator, which is also `Disposable`.
   * @throws {TypeError} If `options` is not an object or has a key it does
   * not take (the error names it), `options.signal` is not an AbortSignal,
   * `options.limit` is not a positive integer, or `options.local` is not a
   * boolean; it then listens to nothing.
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
    options: EventsOptions<Sender> & { readonly sender: From },
  ): SignalEvents<Params, Sender, Response, HeardSender<Sender, From>>;
  /** Listens to every send from any sender, or from `options.sender`, as an async iterator. */
  events(
    options?: EventsOptions<Sender>,
  ): SignalEvents<Params, Sender, Response>;
  events(
    options?: EventsOptions<Sender>,
  ): SignalEvents<Params, Sender, Response> {
    if (!Signal.#is(this)) throw Signal.#detached("events");
    const action = this.#actions.events;
    const choices = readWaitOptions<Sender>(options, action, "events");
    return new EventQueue<ReceiverArgs<Params, Sender, Response>>(
      action,
      choices.limit,
      (hooks) => this.#registryNow().wait(hooks, choices),
    );
  }

  /**
   * Mutes the signal, as blinker's `muted()` does: until every mute it began
   * has ended, a send calls nobody, resolves no waiter and returns `[]` (the
   * async sends resolve to `[]`). A send already under way finishes its
   * snapshot. Registrations stay as they are, `hasReceivers()` and
   * `receivers()` answer as before, and bad params are still a `TypeError`.
   *
   * @returns A {@linkcode Mute} handle: its `unmute()`, or its disposal with
   * `using`, ends this mute; a second call changes nothing.
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
  mute(): Mute {
    if (!Signal.#is(this)) throw Signal.#detached("mute");
    const mutes = this.#mutes ??= new Set();
    const unmute = () => {
      if (mutes.delete(handle) && mutes.size === 0) {
        this.#mutes = undefined;
        this.#updateDetour();
      }
    };
    const handle: Mute = { unmute, [Symbol.dispose]: unmute };
    mutes.add(handle);
    this.#updateDetour();
    return handle;
  }

  /**
   * Whether a mute that {@linkcode Signal.prototype.mute} began has not ended yet.
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
