/**
 * Starts `testing/peer.mjs` in another OS process: on Node or Bun against the
 * packed npm packages (`signalry` and `@signalry/redis`, built and installed
 * into a temporary project once per test run, with both clients), or on
 * Deno against the sources through an import map. Each peer speaks JSON
 * lines (see peer.mjs) through the shared `testing/peers.ts`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  denoImportMap,
  npmProject,
  type Peer,
  type Runtime,
  startPeerProcess,
} from "../../testing/peers.ts";
import { type Library, NPM_CLIENTS } from "./clients.ts";

export {
  hasRuntime,
  type Peer,
  type PeerMessage,
  type Runtime,
} from "../../testing/peers.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(PACKAGE_DIR, "..");
const PEER = join(PACKAGE_DIR, "testing", "peer.mjs");
const DEVALUE = "devalue@6.0.3";

let project: Promise<string> | undefined;

/**
 * Starts a peer and resolves once its relay is ready. `key`: the relay's
 * keys (the first signs), passed as `SIGNALRY_RELAY_KEY`.
 */
export async function startPeer(
  runtime: Runtime,
  options: {
    url: string;
    library: Library;
    channel: string;
    name: string;
    key?: readonly string[];
  },
): Promise<Peer> {
  const args = [options.url, options.library, options.channel, options.name];
  const env = options.key === undefined
    ? {}
    : { env: { SIGNALRY_RELAY_KEY: JSON.stringify(options.key) } };
  if (runtime === "deno") {
    const map = denoImportMap({
      "signalry": `file://${join(ROOT, "mod.ts")}`,
      "signalry/relay": `file://${join(ROOT, "relay.ts")}`,
      "@signalry/redis": `file://${join(PACKAGE_DIR, "mod.ts")}`,
      "devalue": `npm:${DEVALUE}`,
      "redis4": `npm:${NPM_CLIENTS["redis@4"]}`,
      "redis5": `npm:${NPM_CLIENTS["redis@5"]}`,
      "ioredis": `npm:${NPM_CLIENTS.ioredis}`,
    });
    return await startPeerProcess({
      name: options.name,
      command: Deno.execPath(),
      args: [
        "run",
        "-A",
        "--no-config",
        "--no-lock",
        `--import-map=${map}`,
        PEER,
        ...args,
      ],
      cwd: PACKAGE_DIR,
      ...env,
    });
  }
  project ??= npmProject([ROOT, PACKAGE_DIR], [
    `redis4@npm:${NPM_CLIENTS["redis@4"]}`,
    `redis5@npm:${NPM_CLIENTS["redis@5"]}`,
    NPM_CLIENTS.ioredis,
    DEVALUE,
  ], PEER);
  return await startPeerProcess({
    name: options.name,
    command: runtime,
    args: ["peer.mjs", ...args],
    cwd: await project,
    ...env,
  });
}
