import { relayConformance } from "./testing/relay_conformance.ts";

relayConformance("BroadcastChannel", (name) => {
  const channel = new BroadcastChannel(name);
  return { channel, close: () => channel.close() };
});
