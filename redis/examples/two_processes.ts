/**
 * Two processes, one Signal: this script starts a second copy of itself
 * (the "worker"), and each relays `saved` over the Redis channel "example".
 * The web process saves a user; the worker's receiver hears it, and so does
 * the web process's own, once. The `{ local: true }` receiver (the welcome
 * email) runs only in the process that sent.
 *
 * Needs a redis-server on REDIS_URL (default redis://127.0.0.1:6379). If
 * you have none: `apt-get install -y redis-server` (Debian, Ubuntu), `brew
 * install redis` (macOS), or `docker run -p 6379:6379 redis`.
 *
 * Run it with `deno task example` in `redis/`.
 *
 * @module
 */

import { Signal } from "@signalry/signalry";
import { relay } from "@signalry/signalry/relay";
import { createClient } from "npm:redis@5.12.1";
import { redisChannel } from "@signalry/redis";

const url = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const role = Deno.args[0] === "worker" ? "worker" : "web";

// node-redis retries a refused connection for ever: look first.
try {
  const { hostname, port } = new URL(url);
  (await Deno.connect({ hostname, port: Number(port || 6379) })).close();
} catch (error) {
  console.error(
    `No Redis at ${url} (${
      (error as Error).message
    }). Start one: apt-get install -y redis-server (Debian, Ubuntu), brew install redis (macOS) or docker run -p 6379:6379 redis; or set REDIS_URL.`,
  );
  Deno.exit(1);
}
const publisher = createClient({ url });
publisher.on("error", (error) => console.error(`${role}: ${error.message}`));
await publisher.connect();
const subscriber = publisher.duplicate();
subscriber.on("error", (error) => console.error(`${role}: ${error.message}`));
await subscriber.connect();

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

const channel = redisChannel({ publisher, subscriber, channel: "example" });
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
await publisher.quit();
await subscriber.quit();
