/**
 * A worker for `relay_test.ts`: one relay over a BroadcastChannel, driven by
 * messages from the thread that started it. Not published.
 *
 * Commands (`{ op, ... }`), each answered with one message:
 * - `start { channel }`: relay the Signal `"tick"` (params `{ n }`) over the
 *   BroadcastChannel `channel`, with the sender `User` by name; `"ready"`.
 * - `send { count, sender }`: send `count` ticks in one burst, from `"User"`
 *   (the class) or a string; answers with the relay's stats after `flush()`.
 * - `sendAwaited { count, sender }`: the same, awaiting each `sendAsync()`.
 * - `report`: what was heard (`ns` in order, the senders' names), the stats
 *   and the error codes.
 * - `closeRelay`: closes the relay, not the channel; `"closed"`.
 * - `close`: closes the relay and the channel; `"closed"`.
 *
 * @module
 */

import { Signal } from "../mod.ts";
import { type Relay, relay, type RelayError } from "../relay.ts";

class User {}

interface Command {
  op: "start" | "send" | "sendAwaited" | "report" | "closeRelay" | "close";
  channel?: string;
  count?: number;
  sender?: string;
}

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(
    type: "message",
    listener: (event: { data: Command }) => void,
  ): void;
}

const scope = globalThis as unknown as WorkerScope;
const tick = new Signal<{ n: number }, unknown>({ name: "tick" });
const heard: number[] = [];
const senders: string[] = [];
const errors: RelayError[] = [];
let carried: Relay | undefined;
let channel: BroadcastChannel | undefined;

tick.connect(({ n, sender }) => {
  heard.push(n);
  const name = sender === User ? "User" : typeof sender;
  if (senders.at(-1) !== name) senders.push(name);
});

scope.addEventListener("message", async ({ data }) => {
  switch (data.op) {
    case "start":
      channel = new BroadcastChannel(data.channel!);
      carried = relay(channel, {
        signals: [tick],
        senders: { User },
        onError: (error) => errors.push(error),
      });
      await carried.ready;
      scope.postMessage("ready");
      break;
    case "send":
    case "sendAwaited": {
      const sender = data.sender === "User" ? User : data.sender;
      for (let n = 0; n < data.count!; n++) {
        if (data.op === "send") tick.send(sender, { n });
        else await tick.sendAsync(sender, { n });
      }
      await carried!.flush();
      scope.postMessage(carried!.stats);
      break;
    }
    case "report":
      scope.postMessage({
        ns: heard.length,
        inOrder: heard.every((n, i) => i === 0 || n === heard[i - 1]! + 1),
        senders,
        stats: carried!.stats,
        codes: errors.map((error) => error.code),
      });
      break;
    case "closeRelay":
      await carried!.close();
      scope.postMessage("closed");
      break;
    case "close":
      await carried!.close();
      channel!.close();
      scope.postMessage("closed");
      break;
  }
});
