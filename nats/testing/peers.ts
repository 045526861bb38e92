/**
 * Starts `testing/peer.mjs` in another OS process over the shared peer
 * machinery (`testing/peers.ts` at the root): on Node or Bun against the
 * packed npm packages (`signalry` and `@signalry/nats`, built and installed
 * into a temporary project once per test run), or on Deno against the
 * sources through an import map.
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

export { hasRuntime, type Peer, type Runtime } from "../../testing/peers.ts";

const NATS_DIR = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(NATS_DIR, "..");
const PEER = join(NATS_DIR, "testing", "peer.mjs");
const NATS_CLIENT = "@nats-io/transport-node@3.4.0";
const DEVALUE = "devalue@6.0.3";

let project: Promise<string> | undefined;

/** Starts a peer and resolves once its relay is ready. */
export async function startPeer(
  runtime: Runtime,
  options: { url: string; subject: string; name: string },
): Promise<Peer> {
  const args = [options.url, options.subject, options.name];
  if (runtime === "deno") {
    const map = denoImportMap({
      "signalry": `file://${join(ROOT, "mod.ts")}`,
      "signalry/relay": `file://${join(ROOT, "relay.ts")}`,
      "@signalry/nats": `file://${join(NATS_DIR, "mod.ts")}`,
      "@nats-io/transport-node": `npm:${NATS_CLIENT}`,
      "devalue": `npm:${DEVALUE}`,
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
      cwd: NATS_DIR,
    });
  }
  project ??= npmProject([ROOT, NATS_DIR], [NATS_CLIENT, DEVALUE], PEER);
  return await startPeerProcess({
    name: options.name,
    command: runtime,
    args: ["peer.mjs", ...args],
    cwd: await project,
  });
}
