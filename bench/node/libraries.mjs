// Signalry and its peers as Node and Bun load them: the peers from
// node_modules at the versions package.json pins (the ones bench/_peers.ts
// pins for Deno), signalry from its npm build (`deno task build:npm`, which
// `deno task bench:node` and `bench:bun` run first).
import { EventEmitter as NodeEventEmitter, on, once } from "node:events";
import { EventEmitter as EventEmitter3 } from "eventemitter3";
import { EventEmitter as Tseep } from "tseep";
import mitt from "mitt";
import { createNanoEvents } from "nanoevents";
import { CollectorArray, Signal as TypedSignal } from "typed-signals";
import Emittery from "emittery";
import { Signal } from "../../npm/esm/mod.js";

// emittery 2's once() and events() call Promise.withResolvers, which Node
// has from 22 on; on Node 20 they get the spec's steps in JavaScript.
Promise.withResolvers ??= function withResolvers() {
  let resolve;
  let reject;
  const promise = new this((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
};

/** Where signalry was loaded from, to print beside the results. */
export const SIGNALRY_SOURCE = "npm/esm/mod.js (deno task build:npm)";

/** The same shape as LIBRARIES in ../_peers.ts. */
export const LIBRARIES = {
  Signal,
  named: {
    eventemitter3: () => new EventEmitter3(),
    tseep: () => new Tseep(),
    mitt: () => mitt(),
    "node:events": () => new NodeEventEmitter().setMaxListeners(0),
  },
  nanoevents: () => createNanoEvents(),
  typedSignal: () => new TypedSignal(),
  typedCollector: (signal) => new CollectorArray(signal),
  emittery: () => new Emittery(),
  nodeEvents: { emitter: () => new NodeEventEmitter(), on, once },
};
