// The relay conformance suite (testing/relay_conformance.ts at the
// repository's root), run against pgChannel(), on one Postgres that this
// file starts and the last test stops.
import { relayConformance } from "../testing/relay_conformance.ts";
import { pgChannel } from "./mod.ts";
import { pgClients } from "./testing/clients.ts";
import { startPostgres } from "./testing/server.ts";

const server = await startPostgres();

relayConformance("pgChannel()", (name) => {
  const clients = pgClients(server.url);
  const channel = pgChannel({
    listener: clients.listener,
    notifier: clients.notifier,
    channel: name.slice(0, 63),
  });
  return {
    channel,
    close: async () => {
      await channel.close();
      await clients.close();
    },
  };
});

Deno.test("relay conformance over pgChannel(): stop the Postgres server", async () => {
  await server[Symbol.asyncDispose]();
});
