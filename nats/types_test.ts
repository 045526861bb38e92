import { assertEquals } from "@std/assert";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  type NatsChannel,
  natsChannel,
  type NatsChannelOptions,
} from "./mod.ts";
import type { RelayChannel } from "../relay.ts";

// Type-checked, never called: the connection goes in as the client types
// it, without a cast, and the channel is a RelayChannel as it is.
function acceptsTheClient(connection: NatsConnection): NatsChannelOptions[] {
  return [
    { connection, subject: "app" },
    {
      connection,
      subject: "app",
      codec: { encode: JSON.stringify, decode: JSON.parse },
    },
    // @ts-expect-error a subject is required
    { connection },
    // @ts-expect-error a connection is a NATS connection, not a URL
    { connection: "127.0.0.1:4222", subject: "app" },
    // @ts-expect-error a codec has encode and decode
    { connection, subject: "app", codec: { encode: String } },
  ];
}

function isARelayChannel(channel: NatsChannel): RelayChannel {
  return channel;
}

Deno.test("NatsChannelOptions takes an @nats-io/transport-node connection as it is typed, and a NatsChannel is a RelayChannel", () => {
  assertEquals(typeof acceptsTheClient, "function");
  assertEquals(typeof isARelayChannel, "function");
  assertEquals(typeof natsChannel, "function");
});
