/**
 * Two processes, one Signal: this script starts a second copy of itself
 * (the "worker"), and each relays `saved` over the Postgres channel "example".
 * The web process saves a user; the worker's receiver hears it, and so does
 * the web process's own, once. The `{ local: true }` receiver (the welcome
 * email) runs only in the process that sent.
 *
 * Needs a Postgres on DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres). If you have none: `apt-get
 * install -y postgresql` (Debian, Ubuntu), `brew install postgresql`
 * (macOS), or `docker run -e POSTGRES_HOST_AUTH_METHOD=trust -p 5432:5432
 * postgres`.
 *
 * Run it with `deno task example` in `postgres/`.
 *
 * @module
 */

import { Signal } from "@signalry/signalry";
import { relay } from "@signalry/signalry/relay";
import pg from "npm:pg@8.23.1";
import { pgChannel } from "@signalry/postgres";

const url = Deno.env.get("DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/postgres";
const role = Deno.args[0] === "worker" ? "worker" : "web";

// Any pool: the one the application queries with will do.
const pool = new pg.Pool({ connectionString: url });
pool.on("error", (error: Error) => console.error(`${role}: ${error.message}`));
// The listener: a function that makes a connected client, so that the
// channel can listen again on a new one if the connection is lost.
const listeners: pg.Client[] = [];
async function listener(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on(
    "error",
    (error: Error) => console.error(`${role}: ${error.message}`),
  );
  listeners.push(client);
  await client.connect();
  return client;
}
try {
  await pool.query("SELECT 1");
} catch (error) {
  console.error(
    `No Postgres at ${url} (${
      (error as Error).message
    }). Start one: apt-get install -y postgresql (Debian, Ubuntu), brew install postgresql (macOS) or docker run -e POSTGRES_HOST_AUTH_METHOD=trust -p 5432:5432 postgres; or set DATABASE_URL.`,
  );
  await pool.end();
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

const channel = pgChannel({ listener, notifier: pool, channel: "example" });
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
  const lines = worker.stdout.pipeThrough(new TextDecoderStream());
  const reader = lines.getReader();
  let text = "";
  while (!text.includes("worker: listening")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  saved.send(User, { id: 1, email: "ada@example.com" });
  await carrier.flush();
  while (!text.includes("saved")) {
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
// The channel never ends a client: the factory's clients and the pool are ours.
for (const client of listeners) await client.end();
await pool.end();
