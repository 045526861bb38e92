import { assert, assertEquals } from "@std/assert";
import { parse, stringify } from "devalue";
import { LIBRARIES } from "./testing/clients.ts";
import { noUnhandledRejections } from "../testing/events.ts";
import {
  hasRuntime,
  type Peer,
  type PeerMessage,
  type Runtime,
  startPeer,
} from "./testing/peers.ts";
import { startRelay, within } from "./testing/relays.ts";
import { startRedis } from "./testing/server.ts";
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

for (const library of LIBRARIES) {
  Deno.test(`relay() over redisChannel() with ${library} carries the value matrix between ${RUNTIMES.join(", ")} processes, each way`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using here = await startRelay(library, server.url, "app");
    const peers: Peer[] = [];
    try {
      for (const runtime of RUNTIMES) {
        peers.push(
          await startPeer(runtime, {
            url: server.url,
            library,
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
        // never again through Redis.
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

for (const library of ["redis@5", "ioredis"] as const) {
  Deno.test(`relay() over redisChannel() with ${library} reports a slow subscriber dropped by client-output-buffer-limit, and the gap`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis([
      "--client-output-buffer-limit",
      "pubsub 256kb 128kb 1",
    ]);
    await using here = await startRelay(library, server.url, "app");
    await using peer = await startPeer("node", {
      url: server.url,
      library,
      channel: "app",
      name: "slow",
    });
    here.saved.send("test", { i: 0 });
    await peer.waitFor((message) => message.type === "received");

    peer.signal("SIGSTOP");
    // 16 MB in 160 ticks: more than the kernel's socket buffers hold, so
    // the server's output buffer for the stopped subscriber passes its limit.
    const payload = "x".repeat(10_000);
    let i = 1;
    for (let tick = 0; tick < 160; tick++) {
      for (let n = 0; n < 10; n++) here.saved.send("test", { i: i++, payload });
      await within(here.relay.flush(), "the burst's posts");
    }
    peer.signal("SIGCONT");

    await peer.waitFor(({ type, code }) =>
      type === "error" && code === "disconnected"
    );
    // After the peer resubscribed, the next send shows it what it missed.
    const deadline = Date.now() + 20_000;
    for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
      here.saved.send("test", { i: i++ });
      await within(here.relay.flush(), "a probe's post");
      if (
        peer.messages.some(({ type, code }) =>
          type === "error" && code === "gap"
        )
      ) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const gaps = peer.messages.filter(({ type, code }) =>
      type === "error" && code === "gap"
    );
    assertEquals(
      gaps.length,
      1,
      JSON.stringify(peer.messages.filter(({ type }) => type !== "received")),
    );
    const received = peer.messages.filter(({ type }) =>
      type === "received"
    ).length;
    assert(received < i, "the peer missed nothing, so nothing was tested");
  });
}
