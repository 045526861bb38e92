/**
 * Two processes, one Signal: this script starts a second copy of itself
 * (the "worker"), and each relays `saved` over the NATS subject "example".
 * The web process saves a user; the worker's receiver hears it, and so does
 * the web process's own, once. The `{ local: true }` receiver (the welcome
 * email) runs only in the process that sent.
 *
 * Needs a nats-server on NATS_URL (default 127.0.0.1:4222). If you have
 * none: `apt-get install -y nats-server` (Debian, Ubuntu), `brew install
 * nats-server` (macOS), or `docker run -p 4222:4222 nats`.
 *
 * Run it with `deno task example` in `nats/`.
 *
 * @module
 */

import { Signal } from "@signalry/signalry";
import { relay } from "@signalry/signalry/relay";
import { connect } from "@nats-io/transport-node";
import { natsChannel } from "@signalry/nats";

const url = Deno.env.get("NATS_URL") ?? "127.0.0.1:4222";
const role = Deno.args[0] === "worker" ? "worker" : "web";

let connection;
try {
  connection = await connect({ servers: url });
} catch (error) {
  console.error(
    `No NATS at ${url} (${
      (error as Error).message
    }). Start one: apt-get install -y nats-server (Debian, Ubuntu), brew install nats-server (macOS) or docker run -p 4222:4222 nats; or set NATS_URL.`,
  );
  Deno.exit(1);
}

class User {
  constructor(readonly id: number, readonly email: string) {}
}
const saved = new Signal<{ id: number; email: string }, typeof User>({
  name: "userSaved",
});
saved.connect(({ id, sender }) =>
  console.log(`${role}: ${sender.name} ${id} saved`)
);
// Local: the welcome email goes out once, from the process that saved.
saved.connect(
  ({ email }) => console.log(`${role}: welcome email to ${email}`),
  { local: true },
);

const channel = natsChannel({ connection, subject: "example" });
const carrier = relay(channel, { signals: [saved], senders: { User } });
await carrier.ready;

if (role === "worker") {
  console.log("worker: listening");
  // The web process closes our stdin when it is done.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
} else {
  const worker = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "worker"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = worker.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  for (
    let reads = 0;
    !text.includes("worker: listening") && reads < 100;
    reads++
  ) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  saved.send(User, { id: 1, email: "ada@example.com" });
  await carrier.flush();
  for (let reads = 0; !text.includes("saved") && reads < 100; reads++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  console.log(text.trim());
  await worker.stdin.close();
  reader.releaseLock();
  await worker.stdout.cancel().catch(() => {});
  await worker.status;
}
await carrier.close();
await channel.close();
await connection.close();
