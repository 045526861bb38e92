// A user's TypeScript module, type-checked by scripts/test_types.ts against
// the packed declarations with each TypeScript version and setting of the
// matrix. It uses every export, and each `@ts-expect-error` line fails the
// check when the package's types stop refusing what they refuse in Deno.
import {
  type AnySignal,
  type AsyncResponses,
  type AsyncRobustResponses,
  type ConnectedReceiver,
  type Connection,
  type ConnectOptions,
  type DisconnectOptions,
  type EventsOptions,
  type HeardSender,
  type Misuse,
  type NextOptions,
  type NoReservedKeys,
  type Receiver,
  type ReceiverArgs,
  type ReservedKeysDeclaredIn,
  type Responses,
  type RobustResponses,
  type SendArgs,
  type SendParams,
  Signal,
  type SignalEvents,
  type SignalOptions,
  type SignalParams,
  type SomeReceiver,
  type UniqueId,
} from "signalry";

class Server {
  constructor(readonly name: string) {}
}

type Saved = { readonly id: number };
const params: Saved extends SignalParams ? true : false = true;

const signalOptions: SignalOptions = { name: "saved" };
const saved = new Signal<Saved, Server, string>(signalOptions);
const named: string | undefined = saved.name;
const server = new Server("db");

const log: Receiver<Saved, Server, string> = (
  { id, sender, signal }: ReceiverArgs<Saved, Server, string>,
) => {
  const same: Signal<Saved, Server, string> = signal;
  return `${sender.name}:${id}:${same === saved}`;
};
const controller = new AbortController();
const options: ConnectOptions<Server> = {
  sender: server,
  uniqueId: "log",
  once: true,
  signal: controller.signal,
};
const connection: Connection = saved.connect(log, options);
const connected: boolean = connection.connected;
const removed: boolean = connection.disconnect();
connection[Symbol.dispose]();

{
  using scoped = saved.connect(({ id }) => String(id), { sender: server });
  const stillConnected: boolean = scoped.connected;
  void stillConnected;
}

const responses: Responses<Saved, Server, string> = saved.send(server, {
  id: 1,
});
const robust: RobustResponses<Saved, Server, string> = saved.sendRobust(
  server,
  { id: 2 },
);
for (const [receiver, outcome] of robust) {
  const called: ConnectedReceiver<Saved, Server, string> = receiver;
  const text: string = outcome.status === "fulfilled"
    ? outcome.value
    : String(outcome.reason);
  void called, text;
}

async function sendBoth(): Promise<void> {
  const all: AsyncResponses<Saved, Server, string> = await saved.sendAsync(
    server,
    { id: 3 },
  );
  const settled: AsyncRobustResponses<Saved, Server, string> = await saved
    .sendAsyncRobust(server, { id: 4 });
  void all, settled;
}

async function waitForSaves(): Promise<void> {
  const nextOptions: NextOptions<Server> = {
    sender: server,
    signal: AbortSignal.timeout(1000),
  };
  const { id, sender }: ReceiverArgs<Saved, Server, string> = await saved.next(
    nextOptions,
  );
  const eventsOptions: EventsOptions<Server> = { ...nextOptions, limit: 2 };
  using events: SignalEvents<Saved, Server, string> = saved.events(
    eventsOptions,
  );
  for await (const args of events) {
    const saveId: number = args.id;
    void saveId;
  }
  {
    using _quiet = saved.mute();
    const muted: boolean = saved.muted;
    void muted;
  }
  void id, sender;
}

const id: UniqueId = Symbol("audit");
saved.connect(log, { uniqueId: id });
const byReceiver: boolean = saved.disconnect(log, { sender: server });
const disconnectOptions: DisconnectOptions<Server> = { uniqueId: id };
const byId: boolean = saved.disconnect({ ...disconnectOptions, uniqueId: id });
const any: boolean = saved.hasReceivers();
const forServer: ConnectedReceiver<Saved, Server, string>[] = saved.receivers(
  server,
);
const count: number = saved.disconnectAll(server) + saved.disconnectAll();

// Params are optional exactly when the signal has none.
const ping = new Signal();
ping.send(null);
const sendParams: SendParams<Saved> = [{ id: 5 }];
saved.send(server, ...sendParams);
const sendArgs: SendArgs<Saved, Server> = [server, { id: 6 }];
saved.send(...sendArgs);

// Sends compile in code generic over the params and the sender.
function announce<P extends SignalParams, S, R>(
  signal: Signal<P, S, R>,
  sender: S,
  params: P,
): Promise<unknown> {
  signal.send(sender, params);
  signal.sendRobust(sender, params);
  void signal.sendAsyncRobust(sender, params);
  return signal.sendAsync(sender, params);
}
void announce(saved, server, { id: 7 });

// Without params or a required sender, a send may leave both out.
const ready = new Signal<Record<never, never>>();
ready.send();
ready.sendRobust();
void ready.sendAsync();
void ready.sendAsyncRobust();
// @ts-expect-error a Server must send it
new Signal<Record<never, never>, Server>().send();

// A receiver handed back may hear one sender only: it cannot be called.
class Model {
  static table = "models";
}
class User extends Model {
  static admin = true;
}
const created = new Signal<Record<never, never>, typeof Model, string>();
const forUsers = ({ sender }: { sender: typeof User }) => String(sender.admin);
created.connect(forUsers, { sender: User });
const model: typeof Model = User;
const listed = created.receivers(model);
const found: boolean = listed.includes(forUsers) && listed[0] === forUsers;
const modelArgs = { signal: created, sender: Model };
// @ts-expect-error it may have been connected for User only
listed[0]?.(modelArgs);
for (const [receiver] of created.send(model)) {
  // @ts-expect-error likewise for what a send returns
  receiver(modelArgs);
}
const declared: ReservedKeysDeclaredIn<{ id: number }> = {};

// Signals of different types share AnySignal.
const signals: AnySignal[] = [saved, ping];
const someReceivers: SomeReceiver[] = signals.flatMap((signal) =>
  signal.receivers()
);
const removedEverywhere: number[] = signals.map((signal) =>
  signal.disconnectAll(server)
);
const heard: HeardSender<unknown, Server> = server;
const noReserved: NoReservedKeys = {};
type Refused = Misuse<"refused">;
const refused: Refused extends { readonly misuse: "refused" } ? true : false =
  true;

// @ts-expect-error `sender` is reserved for the receiver's argument
new Signal<{ sender: string }>();
// @ts-expect-error even optional and undefined, with exactOptionalPropertyTypes or not
new Signal<{ id: number; sender?: undefined }>();
// @ts-expect-error a reserved key is refused even as undefined
saved.send(server, { id: 1, sender: undefined });
// @ts-expect-error likewise `signal`, in any send
saved.sendAsync(server, { id: 1, signal: undefined });
const maybeSender: { id: number; sender?: undefined } = { id: 1 };
// @ts-expect-error a value whose type has the key may hold it
saved.sendRobust(server, maybeSender);
// @ts-expect-error a Saved send needs its params
saved.send(server);
// @ts-expect-error `id` is a number
saved.send(server, { id: "1" });
// @ts-expect-error the sender is a Server
saved.send("db", { id: 1 });
// @ts-expect-error receivers return strings
saved.connect(() => 1);
// @ts-expect-error disconnecting by options alone needs a uniqueId
saved.disconnect({ sender: server });
// @ts-expect-error next() waits for a Server's sends
saved.next({ sender: "db" });

export {
  any,
  byId,
  byReceiver,
  connected,
  count,
  declared,
  forServer,
  found,
  heard,
  named,
  noReserved,
  params,
  refused,
  removed,
  removedEverywhere,
  responses,
  sendBoth,
  someReceivers,
  waitForSaves,
};

// The relay entry point: a BroadcastChannel is a RelayChannel as it is, with
// the dom lib and with @types/node alike.
import {
  type Relay,
  relay,
  type RelayChannel,
  type RelayChannelEvent,
  type RelayCodec,
  type RelayedSignal,
  RelayError,
  type RelayErrorCode,
  type RelayOptions,
  type RelayStats,
} from "signalry/relay";

const broadcast: RelayChannel = new BroadcastChannel("consumer");
const codec: RelayCodec = { encode: JSON.stringify, decode: JSON.parse };
const coded: RelayChannel = {
  postMessage: (_message: string) => Promise.resolve(),
  addEventListener: (
    _type: string,
    _listener: (event: RelayChannelEvent) => void,
  ) => {},
  removeEventListener: () => {},
  ready: Promise.resolve(),
  codec,
};
const carriedSignals: RelayedSignal[] = [saved];
const relayOptions: RelayOptions = {
  signals: carriedSignals,
  senders: { Server },
  onError: (error: RelayError) => {
    const code: RelayErrorCode = error.code;
    void code;
  },
};
const carried: Relay = relay(broadcast, relayOptions);
const relayStats: RelayStats = carried.stats;
const relayError = new RelayError("gap", "lost");
// @ts-expect-error an object sender is named by a string
relay(coded, { signals: [saved], senders: [[Server, "Server"]] });
// @ts-expect-error signals are required
relay(coded, {});
void [relayStats, relayError, carried.close()];
