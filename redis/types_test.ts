import { assertEquals } from "@std/assert";
import type { createClient as createClient4 } from "npm:redis@4.7.1";
import type { createClient as createClient5 } from "npm:redis@5.12.1";
import type { Redis } from "npm:ioredis@5.11.1";
import { redisChannel, type RedisChannelOptions } from "./mod.ts";

// Type-checked, never called: the clients go in as their libraries type them,
// without a cast.
function acceptsEachLibrary(
  four: ReturnType<typeof createClient4>,
  five: ReturnType<typeof createClient5>,
  io: Redis,
): RedisChannelOptions[] {
  return [
    { publisher: four, subscriber: four.duplicate(), channel: "app" },
    { publisher: five, subscriber: five.duplicate(), channel: "app" },
    { publisher: io, subscriber: io.duplicate(), channel: "app" },
    // @ts-expect-error a channel name is required
    { publisher: five, subscriber: five.duplicate() },
    // @ts-expect-error a client is an object with publish, subscribe and on
    { publisher: "redis://127.0.0.1", subscriber: io, channel: "app" },
  ];
}

Deno.test("RedisChannelOptions takes node-redis 4, node-redis 5 and ioredis clients as they are typed", () => {
  assertEquals(typeof acceptsEachLibrary, "function");
  assertEquals(typeof redisChannel, "function");
});
