/**
 * Three workers each keep a cache; when the main thread saves a user, every
 * worker drops its copy, because one `userSaved` send is heard in every
 * thread through a relay over a BroadcastChannel. The welcome email goes out
 * once, from the main thread, because its receiver is connected with
 * `{ local: true }`. Needs nothing installed.
 *
 * Run it with `deno task example:relay`.
 *
 * @module
 */

import { Signal } from "../mod.ts";
import { relay } from "../relay.ts";

const CHANNEL = "signalry-example-relay";
const WORKERS = 3;

class User {}

/** The same Signal in every thread: the name is its wire name. */
const userSaved = new Signal<{ id: number; name: string }, typeof User>({
  name: "userSaved",
});
/** A worker says it dropped its copy. */
const cacheCleared = new Signal<{ worker: string; id: number }, string>({
  name: "cacheCleared",
});

const inWorker =
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope ===
    "function";

if (inWorker) {
  const me = (globalThis as unknown as { name: string }).name;
  const cache = new Map<number, string>([[1, "old name"]]);
  userSaved.connect(({ id }) => {
    cache.delete(id);
    cacheCleared.send(me, { worker: me, id });
  }, { sender: User });
  const channel = new BroadcastChannel(CHANNEL);
  const carried = relay(channel, {
    signals: [userSaved, cacheCleared],
    senders: { User },
  });
  await carried.ready;
  const scope = globalThis as unknown as {
    postMessage(message: unknown): void;
    onmessage: ((event: MessageEvent) => void) | null;
  };
  scope.onmessage = async () => {
    await carried.close();
    channel.close();
    scope.postMessage("closed");
  };
  scope.postMessage("ready");
} else {
  const workers = Array.from(
    { length: WORKERS },
    (_, i) =>
      new Worker(import.meta.url, { type: "module", name: `worker-${i + 1}` }),
  );
  const answer = (worker: Worker) =>
    new Promise((resolve) => worker.onmessage = resolve);
  await Promise.all(workers.map(answer));

  const channel = new BroadcastChannel(CHANNEL);
  await using carried = relay(channel, {
    signals: [userSaved, cacheCleared],
    senders: { User },
  });
  // local: the welcome email goes out once, from here, not once per thread.
  userSaved.connect(({ name }) => {
    console.log(`main: welcome email to ${name}`);
  }, { sender: User, local: true });
  const seen = new Set<string>();
  const allCleared = new Promise<void>((resolve) => {
    cacheCleared.connect(({ worker, id }) => {
      console.log(`main: ${worker} dropped user ${id} from its cache`);
      seen.add(worker);
      if (seen.size === WORKERS) resolve();
    });
  });

  userSaved.send(User, { id: 1, name: "Ada" });
  await allCleared;
  console.log(
    `main: posted ${carried.stats.posted} send, heard ${carried.stats.received} back`,
  );
  await Promise.all(workers.map((worker) => {
    const closed = answer(worker);
    worker.postMessage("close");
    return closed.then(() => worker.terminate());
  }));
  await carried.close();
  channel.close();
}
