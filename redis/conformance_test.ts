// The relay conformance suite (testing/relay_conformance.ts at the
// repository's root), run against redisChannel() with each client library,
// on one redis-server that this file starts and the last test stops.
import { relayConformance } from "../testing/relay_conformance.ts";
import { redisChannel } from "./mod.ts";
import { connectPair, LIBRARIES } from "./testing/clients.ts";
import { startRedis } from "./testing/server.ts";

const server = await startRedis();
// If a test run stops early, the server still goes with this process.
globalThis.addEventListener("unload", () => {
  const pid = server.pid;
  if (pid !== undefined) Deno.kill(pid, "SIGKILL");
});

for (const library of LIBRARIES) {
  relayConformance(`redisChannel() with ${library}`, async (name) => {
    const clients = await connectPair(library, server.url);
    const channel = redisChannel({
      publisher: clients.publisher,
      subscriber: clients.subscriber,
      channel: name,
    });
    return {
      channel,
      close: async () => {
        await channel.close();
        await clients.close();
      },
    };
  });
}

Deno.test("relay conformance over redisChannel(): stop the redis-server", async () => {
  await server[Symbol.asyncDispose]();
});
