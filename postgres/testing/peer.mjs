// A relay participant in its own OS process, for the cross-process tests.
// The same file runs on Node, Bun and Deno: it imports the packages by their
// npm names (`signalry`, `signalry/relay`, `@signalry/postgres`), which Node
// and Bun find in the temporary project the test installed the packed
// packages into, and Deno through an import map onto the sources.
//
//   <runtime> peer.mjs <postgres url> <channel> <name>
//
// It relays one Signal, `saved`, over `pgChannel()`, and speaks JSON lines:
// on stdout it writes {type: "ready"}, {type: "received", sender, params}
// (params as devalue text, so the test compares the exact values),
// {type: "error", code, message} for each error the relay reports, and the
// answers to commands; on stdin it reads {send: <devalue text>, sender},
// {sendFunction: true} (a send the codec refuses), {burst: count, from},
// {stats: true} and {exit: true}. SIGNALRY_RELAY_KEY, if set, is the relay's
// keys as a JSON list (the first signs).

import process from "node:process";
import { createInterface } from "node:readline";
import { Signal } from "signalry";
import { relay } from "signalry/relay";
import { pgChannel } from "@signalry/postgres";
import pg from "pg";
import { parse, stringify } from "devalue";

const [url, channelName, name] = process.argv.slice(-3);
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

const pool = new pg.Pool({ connectionString: url });
pool.on("error", () => {});
const listeners = [];
async function listener() {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  listeners.push(client);
  await client.connect();
  return client;
}
const saved = new Signal({ name: "saved" });
saved.connect(({ signal: _signal, sender, ...params }) => {
  write({ type: "received", sender, params: stringify(params) });
});
const channel = pgChannel({ listener, notifier: pool, channel: channelName });
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
for (const client of listeners) await client.end().catch(() => {});
await pool.end();
write({ type: "closed" });
process.exit(0);
