// A relay participant in its own OS process, for the cross-process tests.
// The same file runs on Node, Bun and Deno: it imports the packages by their
// npm names (`signalry`, `signalry/relay`, `@signalry/redis`), which Node
// and Bun find in the temporary project the test installed the packed
// packages into, and Deno through an import map onto the sources.
//
//   <runtime> peer.mjs <redis url> <library> <channel> <name>
//
// It relays one Signal, `saved`, over `redisChannel()`, and speaks JSON lines:
// on stdout it writes {type: "ready"}, {type: "received", sender, params}
// (params as devalue text, so the test compares the exact values),
// {type: "error", code, message} for each error the relay reports, and the
// answers to commands; on stdin it reads {send: <devalue text>, sender},
// {sendFunction: true} (a send the codec refuses), {burst: count, from},
// {stats: true} and {exit: true}.

import process from "node:process";
import { createInterface } from "node:readline";
import { Signal } from "signalry";
import { relay } from "signalry/relay";
import { redisChannel } from "@signalry/redis";
import { parse, stringify } from "devalue";

const [url, library, channelName, name] = process.argv.slice(-4);
// The signing tests give the relay's keys as a JSON list (the first signs).
const keys = process.env.SIGNALRY_RELAY_KEY;
const key = keys ? JSON.parse(keys) : undefined;

function write(message) {
  process.stdout.write(`${JSON.stringify({ from: name, ...message })}\n`);
}

process.on("unhandledRejection", (reason) => {
  write({ type: "unhandled", message: String(reason) });
  process.exit(70);
});

async function connectClients() {
  const reconnect = 50;
  if (library === "ioredis") {
    const { Redis } = await import("ioredis");
    const make = async () => {
      const client = new Redis(url, {
        retryStrategy: () => reconnect,
        lazyConnect: true,
      });
      client.on("error", () => {});
      await client.connect();
      return client;
    };
    const [publisher, subscriber] = [await make(), await make()];
    return {
      publisher,
      subscriber,
      quit: () => {
        publisher.disconnect();
        subscriber.disconnect();
      },
    };
  }
  const { createClient } = await import(
    library === "redis@4" ? "redis4" : "redis5"
  );
  const make = async () => {
    const client = createClient({
      url,
      socket: { reconnectStrategy: () => reconnect },
    });
    client.on("error", () => {});
    await client.connect();
    return client;
  };
  const [publisher, subscriber] = [await make(), await make()];
  return {
    publisher,
    subscriber,
    quit: async () => {
      await publisher.disconnect().catch(() => {});
      await subscriber.disconnect().catch(() => {});
    },
  };
}

const clients = await connectClients();
const saved = new Signal({ name: "saved" });
saved.connect(({ signal: _signal, sender, ...params }) => {
  write({ type: "received", sender, params: stringify(params) });
});
const channel = redisChannel({
  publisher: clients.publisher,
  subscriber: clients.subscriber,
  channel: channelName,
});
const carrier = relay(channel, {
  signals: [saved],
  ...(key === undefined ? {} : { key }),
  onError: (error) =>
    write({ type: "error", code: error.code, message: error.message }),
});
await carrier.ready;
write({ type: "ready", pid: process.pid });

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === "") continue;
  const command = JSON.parse(line);
  if (command.exit) break;
  if (command.stats) {
    write({ type: "stats", stats: { ...carrier.stats } });
  } else if (command.burst !== undefined) {
    for (let i = 0; i < command.burst; i++) {
      saved.send(name, { i: command.from + i });
    }
    write({ type: "sent", count: command.burst });
  } else if (command.sendFunction) {
    try {
      saved.send(name, { f() {} });
      write({ type: "sent", count: 1 });
    } catch (error) {
      write({ type: "sendError", name: error.name, message: error.message });
    }
  } else if (command.send !== undefined) {
    try {
      saved.send(command.sender ?? name, parse(command.send));
      write({ type: "sent", count: 1 });
    } catch (error) {
      write({ type: "sendError", name: error.name, message: error.message });
    }
  }
}
await carrier.close();
await channel.close();
await clients.quit();
write({ type: "closed" });
process.exit(0);
