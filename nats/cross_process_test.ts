import { assertEquals } from "@std/assert";
import { parse, stringify } from "devalue";
// The value matrix, kept by the Redis package's tests; plain data.
import { VALUE_MATRIX } from "../testing/values.ts";
import { noUnhandledRejections, within } from "../testing/events.ts";
import {
  hasRuntime,
  type Peer,
  type Runtime,
  startPeer,
} from "./testing/peers.ts";
import { startRelay } from "./testing/relays.ts";
import { startNats } from "./testing/server.ts";

/** Deno and Node always; Bun joins where it is installed. */
const RUNTIMES: Runtime[] = (["deno", "node", "bun"] as const).filter(
  hasRuntime,
);
const NAMES = Object.keys(VALUE_MATRIX);

function receivedFrom(peer: Peer, sender: string): string[] {
  return peer.messages
    .filter((message) =>
      message.type === "received" && message.sender === sender
    )
    .map(({ params }) => params as string);
}

function assertMatrix(texts: readonly string[], where: string): void {
  const values = texts.map((text) =>
    parse(text) as { name: string; value: unknown }
  );
  assertEquals(values.map(({ name }) => name), NAMES, where);
  for (const { name, value } of values) {
    assertEquals(value, VALUE_MATRIX[name], `${where}: ${name}`);
  }
}

Deno.test(`relay() over natsChannel() carries the value matrix between ${RUNTIMES.join(", ")} processes, each way`, async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  await using here = await startRelay(server.url, "app");
  const peers: Peer[] = [];
  try {
    for (const runtime of RUNTIMES) {
      peers.push(
        await startPeer(runtime, {
          url: server.url,
          subject: "app",
          name: runtime,
        }),
      );
    }
    // From this process to every peer.
    for (const name of NAMES) {
      here.saved.send("test", { name, value: VALUE_MATRIX[name] });
    }
    await within(here.relay.flush(), "the test's posts");
    for (const peer of peers) {
      await peer.waitFor(() =>
        receivedFrom(peer, "test").length === NAMES.length
      );
      assertMatrix(receivedFrom(peer, "test"), `${peer.name} from test`);
    }
    // From every peer to this process and to every other peer.
    for (const from of peers) {
      for (const name of NAMES) {
        await from.command({
          send: stringify({ name, value: VALUE_MATRIX[name] }),
        });
      }
      await from.waitFor(() =>
        from.messages.filter(({ type }) => type === "sent").length ===
          NAMES.length
      );
      const heard = () =>
        here.received.filter(({ sender }) => sender === from.name);
      await here.until(() => heard().length === NAMES.length, 30_000);
      assertEquals(
        heard().map(({ params }) => params),
        NAMES.map((name) => ({ name, value: VALUE_MATRIX[name] })),
        `test from ${from.name}`,
      );
      for (const to of peers) {
        if (to === from) continue;
        await to.waitFor(() =>
          receivedFrom(to, from.name).length === NAMES.length
        );
        assertMatrix(
          receivedFrom(to, from.name),
          `${to.name} from ${from.name}`,
        );
      }
      // A relay never hears itself, even though NATS echoes its publishes.
      assertEquals(receivedFrom(from, from.name).length, NAMES.length);
    }
    for (const peer of peers) {
      assertEquals(
        peer.messages.filter(({ type }) =>
          type === "error" || type === "unhandled" || type === "sendError"
        ),
        [],
        peer.name,
      );
    }
    assertEquals(here.errors, []);
  } finally {
    for (const peer of peers) await peer.close();
  }
});
