/**
 * A server and its sessions talk through signals: the server announces each
 * session that starts or stops, a logger hears every server, a metrics
 * counter hears one server only, and each session asks whether it may close
 * and gets every receiver's answer back. A watchdog awaits a session
 * stopping, with a timeout.
 *
 * Run it with `deno task example`.
 *
 * @module
 */

import { Signal } from "signalry";

class Server {
  readonly #sessions = new Set<Session>();
  #nextId = 1;

  constructor(readonly name: string) {}

  open(peer: string): Session {
    const session = new Session(this.#nextId++, peer, this);
    this.#sessions.add(session);
    sessionStarted.send(this, { session });
    return session;
  }

  close(session: Session, reason: string): void {
    if (!this.#sessions.delete(session)) return;
    sessionStopped.send(this, { session, reason });
  }
}

class Session {
  constructor(
    readonly id: number,
    readonly peer: string,
    readonly server: Server,
  ) {}

  /** Asks every receiver whether the session may close; any "no" wins. */
  requestClose(): boolean {
    const answers = closeRequested.send(this);
    return answers.every(([, mayClose]) => mayClose);
  }

  toString(): string {
    return `#${this.id} (${this.peer} on ${this.server.name})`;
  }
}

/** Sent by a server when a session starts. */
const sessionStarted = new Signal<{ session: Session }, Server>({
  name: "sessionStarted",
});
/** Sent by a server when a session stops, with the reason. */
const sessionStopped = new Signal<
  { session: Session; reason: string },
  Server
>({ name: "sessionStopped" });
/** Sent by a session that wants to close; receivers answer yes or no. */
const closeRequested = new Signal<Record<never, never>, Session, boolean>({
  name: "closeRequested",
});

// A logger hears every server. The uniqueId makes a second connect a no-op,
// as Django's dispatch_uid does when a module is imported twice.
sessionStarted.connect(({ sender, session }) => {
  console.log(`[log] ${sender.name}: ${session} started`);
}, { uniqueId: "log" });
sessionStopped.connect(({ sender, session, reason }) => {
  console.log(`[log] ${sender.name}: ${session} stopped (${reason})`);
}, { uniqueId: "log" });

const api = new Server("api");
const admin = new Server("admin");

// Metrics hear the api server only.
let openOnApi = 0;
sessionStarted.connect(() => openOnApi++, { sender: api });
sessionStopped.connect(() => openOnApi--, { sender: api });

const alice = api.open("alice");
const bob = api.open("bob");
const root = admin.open("root");
console.log(`[metrics] open on api: ${openOnApi}`);

// While bob uploads, his session refuses to close. `using` removes the
// receiver when the block ends, however it ends.
{
  using _uploading = closeRequested.connect(() => false, { sender: bob });
  console.log(`[close] may bob's session close? ${bob.requestClose()}`);
}
console.log(`[close] and after the upload? ${bob.requestClose()}`);

api.close(alice, "client quit");
api.close(bob, "idle");
admin.close(root, "shutdown");
console.log(`[metrics] open on api: ${openOnApi}`);

// A watchdog waits for the admin server to stop a session, for a second
// at most: next() listens from the call, so start waiting before the close.
const stoppedOnAdmin = sessionStopped.next({
  sender: admin,
  signal: AbortSignal.timeout(1000),
});
const guest = admin.open("guest");
admin.close(guest, "kicked");
const { session, reason } = await stoppedOnAdmin;
console.log(`[watchdog] admin stopped ${session}: ${reason}`);
