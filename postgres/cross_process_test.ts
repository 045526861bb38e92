import { assert, assertEquals, assertRejects } from "@std/assert";
import { parse, stringify } from "npm:devalue@6.0.3";
import { noUnhandledRejections } from "../testing/events.ts";
import {
  hasRuntime,
  type Peer,
  type PeerMessage,
  type Runtime,
  startPeer,
} from "./testing/peers.ts";
import { startRelay, within } from "./testing/relays.ts";
import { startPostgres } from "./testing/server.ts";
// The Redis tests' value matrix: every channel carries the same values.
import { VALUE_MATRIX } from "../testing/values.ts";

/** Deno and Node always; Bun joins where it is installed. */
const RUNTIMES: Runtime[] = (["deno", "node", "bun"] as const).filter(
  hasRuntime,
);
const NAMES = Object.keys(VALUE_MATRIX);

function receivedFrom(peer: Peer, sender: string): PeerMessage[] {
  return peer.messages.filter((message) =>
    message.type === "received" && message.sender === sender
  );
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

{
  Deno.test(`relay() over pgChannel() carries the value matrix between ${RUNTIMES.join(", ")} processes, each way`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startPostgres();
    await using here = await startRelay(server.url, "app");
    const peers: Peer[] = [];
    try {
      for (const runtime of RUNTIMES) {
        peers.push(
          await startPeer(runtime, {
            url: server.url,
            channel: "app",
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
        assertMatrix(
          receivedFrom(peer, "test").map(({ params }) => params as string),
          `${peer.name} from test`,
        );
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
        await here.until(() =>
          here.received.filter(({ sender }) => sender === from.name).length ===
            NAMES.length
        );
        assertMatrix(
          here.received.filter(({ sender }) => sender === from.name).map((
            { params },
          ) => stringify(params)),
          `test from ${from.name}`,
        );
        for (const to of peers.filter((peer) => peer !== from)) {
          await to.waitFor(() =>
            receivedFrom(to, from.name).length === NAMES.length
          );
          assertMatrix(
            receivedFrom(to, from.name).map(({ params }) => params as string),
            `${to.name} from ${from.name}`,
          );
        }
        // No echo: a peer's receiver heard its own sends once (locally),
        // never again through Postgres.
        assertEquals(receivedFrom(from, from.name).length, NAMES.length);
        // What the codec refuses is a TypeError at send, in that runtime too.
        await from.command({ sendFunction: true });
        const refused = await from.waitFor(({ type }) => type === "sendError");
        assertEquals(refused.name, "TypeError");
      }
      for (const peer of peers) {
        assertEquals(
          peer.messages.filter(({ type }) =>
            type === "error" || type === "unhandled"
          ),
          [],
        );
      }
      assertEquals(here.errors, []);
    } finally {
      for (const peer of peers) await peer.close();
    }
  });
}

Deno.test("relay() over pgChannel() between this process and a Node process: the size limit is a RangeError there too, and a Postgres restart is reported on both sides, with the gap", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using here = await startRelay(server.url, "app");
  await using peer = await startPeer("node", {
    url: server.url,
    channel: "app",
    name: "node",
  });
  // 4,000 "é" are 8,000 bytes: refused at send in Node as in Deno.
  await peer.command({ send: stringify({ text: "é".repeat(4_000) }) });
  const refused = await peer.waitFor(({ type }) => type === "sendError");
  assertEquals(refused.name, "RangeError");

  here.saved.send("test", { i: 0 });
  await peer.waitFor(({ type }) => type === "received");

  await server.kill();
  await peer.waitFor(({ type, code }) =>
    type === "error" && code === "disconnected"
  );
  for (let i = 1; i <= 10; i++) here.saved.send("test", { i });
  await assertRejects(() => within(here.relay.flush(), "the failed posts"));
  assertEquals(here.relay.stats.failed, 10);

  await server.restart();
  // Probe until the peer listens again (bounded: 100 probes, 30 s).
  const deadline = Date.now() + 30_000;
  let i = 11;
  for (let probe = 0; probe < 100 && Date.now() < deadline; probe++) {
    here.saved.send("test", { i: i++ });
    await within(here.relay.flush(), "a probe").catch(() => {});
    if (receivedFrom(peer, "test").length > 1) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  assert(receivedFrom(peer, "test").length > 1, "the peer heard again");
  const gaps = peer.messages.filter(({ type, code }) =>
    type === "error" && code === "gap"
  );
  assertEquals(gaps.length, 1);
  // And the other way: this process listens again too.
  await peer.command({ send: stringify({ from: "node" }) });
  await here.until(() => here.received.some(({ sender }) => sender === "node"));
  assert(here.errors.some(({ code }) => code === "disconnected"));
});
