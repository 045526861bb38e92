// The relay conformance suite (testing/relay_conformance.ts at the
// repository's root), run against natsChannel(), once over connections that
// hear their own publishes (the NATS default) and once with noEcho, on one
// nats-server that this file starts and the last test stops.
import { relayConformance } from "../testing/relay_conformance.ts";
import { natsChannel } from "./mod.ts";
import { connectNats } from "./testing/relays.ts";
import { startNats } from "./testing/server.ts";

const server = await startNats();

for (const noEcho of [false, true]) {
  relayConformance(
    `natsChannel()${noEcho ? " with noEcho" : ""}`,
    async (name) => {
      const connection = await connectNats(server.url, { noEcho });
      const channel = natsChannel({ connection, subject: name });
      return {
        channel,
        close: async () => {
          await channel.close();
          await connection.close();
        },
      };
    },
  );
}

Deno.test("relay conformance over natsChannel(): stop the nats-server", async () => {
  await server[Symbol.asyncDispose]();
});
