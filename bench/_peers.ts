/**
 * Signalry and its peers as Deno loads them: `npm:` specifiers at pinned
 * versions (the same versions `node/package.json` pins for Node and Bun).
 *
 * @module
 */

import { EventEmitter as NodeEventEmitter, on, once } from "node:events";
import { EventEmitter as EventEmitter3 } from "npm:eventemitter3@5.0.4";
import { EventEmitter as Tseep } from "npm:tseep@1.3.1";
import mitt from "npm:mitt@3.0.1";
import { createNanoEvents } from "npm:nanoevents@10.0.0";
import { CollectorArray, Signal as TypedSignal } from "npm:typed-signals@3.0.0";
import Emittery from "npm:emittery@2.2.0";
import { Signal } from "../signal.ts";
import type { Libraries, NamedEmitter, PeerListener } from "./_scenarios.ts";

/** What the `*_bench.ts` files and `memory.ts` time in Deno. */
export const LIBRARIES: Libraries = {
  Signal,
  named: {
    eventemitter3: () => new EventEmitter3(),
    tseep: () => new Tseep(),
    // mitt's types are CommonJS-style; what Deno loads is its ESM default export.
    mitt: () => (mitt as unknown as () => NamedEmitter)(),
    "node:events": () => new NodeEventEmitter().setMaxListeners(0),
  },
  nanoevents: () => createNanoEvents(),
  typedSignal: () => new TypedSignal<PeerListener>(),
  typedCollector: (signal) =>
    new CollectorArray<PeerListener>(signal as TypedSignal<PeerListener>),
  emittery: () => new Emittery(),
  nodeEvents: {
    emitter: () => new NodeEventEmitter(),
    on: (emitter, name) => on(emitter as NodeEventEmitter, name),
    once: (emitter, name) => once(emitter as NodeEventEmitter, name),
  },
};
