// Signalry and its peers as Node and Bun load them: the peers from
// node_modules at the versions package.json pins (the ones bench/_peers.ts
// pins for Deno), signalry from its npm build when there is one, otherwise
// from dist/signal.js, which `npm run build` transpiles from ../../signal.ts.
import { existsSync } from "node:fs";
import { EventEmitter as NodeEventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { EventEmitter as EventEmitter3 } from "eventemitter3";
import { EventEmitter as Tseep } from "tseep";
import mitt from "mitt";
import { createNanoEvents } from "nanoevents";
import { CollectorArray, Signal as TypedSignal } from "typed-signals";
import Emittery from "emittery";

const npmBuild = new URL("../../npm/esm/mod.js", import.meta.url);
const transpiled = new URL("./dist/signal.js", import.meta.url);

/** Where signalry was loaded from, to print beside the results. */
export const SIGNALRY_SOURCE = existsSync(npmBuild)
  ? fileURLToPath(npmBuild)
  : fileURLToPath(transpiled);

const { Signal } = await import(SIGNALRY_SOURCE);

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
};
