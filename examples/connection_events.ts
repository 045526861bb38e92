/**
 * A server and its connections talk through signals: the server announces
 * each connection that starts or stops, a logger hears every server, a
 * metrics counter hears one server only, and each connection asks whether it
 * may close and gets every receiver's answer back. A watchdog awaits a
 * connection stopping, with a timeout.
 *
 * Run it with `deno task example`.
 *
 * @module
 */

import { Signal } from "../mod.ts";

class Server {
  readonly #connections = new Set<Connection>();
  #nextId = 1;

  constructor(readonly name: string) {}

  open(peer: string): Connection {
    const connection = new Connection(this.#nextId++, peer, this);
    this.#connections.add(connection);
    connectionStarted.send(this, { connection });
    return connection;
  }

  close(connection: Connection, reason: string): void {
    if (!this.#connections.delete(connection)) return;
    connectionStopped.send(this, { connection, reason });
  }
}

class Connection {
  constructor(
    readonly id: number,
    readonly peer: string,
    readonly server: Server,
  ) {}

  /** Asks every receiver whether the connection may close; any "no" wins. */
  requestClose(): boolean {
    const answers = closeRequested.send(this);
    return answers.every(([, mayClose]) => mayClose);
  }

  toString(): string {
    return `#${this.id} (${this.peer} on ${this.server.name})`;
  }
}

/** Sent by a server when a connection starts. */
const connectionStarted = new Signal<{ connection: Connection }, Server>({
  name: "connectionStarted",
});
/** Sent by a server when a connection stops, with the reason. */
const connectionStopped = new Signal<
  { connection: Connection; reason: string },
  Server
>({ name: "connectionStopped" });
/** Sent by a connection that wants to close; receivers answer yes or no. */
const closeRequested = new Signal<Record<never, never>, Connection, boolean>({
  name: "closeRequested",
});

// A logger hears every server. The uniqueId makes a second connect a no-op,
// as Django's dispatch_uid does when a module is imported twice.
connectionStarted.connect(({ sender, connection }) => {
  console.log(`[log] ${sender.name}: ${connection} started`);
}, { uniqueId: "log" });
connectionStopped.connect(({ sender, connection, reason }) => {
  console.log(`[log] ${sender.name}: ${connection} stopped (${reason})`);
}, { uniqueId: "log" });

const api = new Server("api");
const admin = new Server("admin");

// Metrics hear the api server only.
let openOnApi = 0;
connectionStarted.connect(() => openOnApi++, { sender: api });
connectionStopped.connect(() => openOnApi--, { sender: api });

const alice = api.open("alice");
const bob = api.open("bob");
const root = admin.open("root");
console.log(`[metrics] open on api: ${openOnApi}`);

// While bob uploads, his connection refuses to close. `using` removes the
// receiver when the block ends, however it ends.
{
  using _uploading = closeRequested.connect(() => false, { sender: bob });
  console.log(`[close] may bob's connection close? ${bob.requestClose()}`);
}
console.log(`[close] and after the upload? ${bob.requestClose()}`);

api.close(alice, "client quit");
api.close(bob, "idle");
admin.close(root, "shutdown");
console.log(`[metrics] open on api: ${openOnApi}`);

// A watchdog waits for the admin server to stop a connection, for a second
// at most: next() listens from the call, so start waiting before the close.
const stoppedOnAdmin = connectionStopped.next({
  sender: admin,
  signal: AbortSignal.timeout(1000),
});
const guest = admin.open("guest");
admin.close(guest, "kicked");
const { connection, reason } = await stoppedOnAdmin;
console.log(`[watchdog] admin stopped ${connection}: ${reason}`);
