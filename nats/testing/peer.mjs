// A relay participant in its own OS process, for the cross-process tests.
// The same file runs on Node, Bun and Deno: it imports the packages by their
// npm names (`signalry`, `signalry/relay`, `@signalry/nats`), which Node and
// Bun find in the temporary project the test installed the packed packages
// into, and Deno through an import map onto the sources.
//
//   <runtime> peer.mjs <nats url> <subject> <name>
//
// It relays one Signal, `saved`, over `natsChannel()`, and speaks JSON lines:
// on stdout {type: "ready"}, {type: "received", sender, params} (params as
// devalue text, so the test compares the exact values), {type: "error",
// code} for each error the relay reports, and {type: "sent"} or
// {type: "sendError", name, message}; on stdin it reads {send: <devalue
// text>} and {exit: true}.

import process from "node:process";
import { createInterface } from "node:readline";
import { Signal } from "signalry";
import { relay } from "signalry/relay";
import { natsChannel } from "@signalry/nats";
import { connect } from "@nats-io/transport-node";
import { parse, stringify } from "devalue";

const [url, subject, name] = process.argv.slice(-3);

function write(message) {
  process.stdout.write(`${JSON.stringify({ from: name, ...message })}\n`);
}

process.on("unhandledRejection", (reason) => {
  write({ type: "unhandled", message: String(reason) });
  process.exit(70);
});

// Reconnect at once, and for ever, as a long-lived service would.
const connection = await connect({
  servers: url,
  reconnectTimeWait: 50,
  maxReconnectAttempts: -1,
});
const saved = new Signal({ name: "saved" });
saved.connect(({ signal: _signal, sender, ...params }) => {
  write({ type: "received", sender, params: stringify(params) });
});
const channel = natsChannel({ connection, subject });
const carrier = relay(channel, {
  signals: [saved],
  onError: (error) =>
    write({ type: "error", code: error.code, message: error.message }),
});
await carrier.ready;
write({ type: "ready", pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  const command = JSON.parse(line);
  if (command.exit) break;
  if (command.send !== undefined) {
    try {
      saved.send(name, parse(command.send));
      await carrier.flush();
      write({ type: "sent" });
    } catch (error) {
      write({ type: "sendError", name: error.name, message: error.message });
    }
  }
}
await carrier.close();
await channel.close();
await connection.close();
write({ type: "closed" });
process.exit(0);
