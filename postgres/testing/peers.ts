/**
 * Starts `testing/peer.mjs` in another OS process: on Node against the
 * packed npm packages (`signalry` and `@signalry/postgres`, built and
 * installed into a temporary project once per test run, with `pg`), or on
 * Deno against the sources through an import map. Each peer speaks JSON
 * lines (see peer.mjs) through the shared `testing/peer_process.ts`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  hasRuntime,
  type Peer,
  run,
  spawnPeer,
} from "../../testing/peer_process.ts";
import { NPM_PG } from "./clients.ts";

export { hasRuntime, type Peer };
export type { PeerMessage } from "../../testing/peer_process.ts";

/** Where a peer runs. */
export type Runtime = "deno" | "node" | "bun";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(PACKAGE_DIR, "..");
const PEER = join(PACKAGE_DIR, "testing", "peer.mjs");
const DEVALUE = "devalue@6.0.3";

let project: Promise<string> | undefined;

/** Builds and packs both npm packages and installs them, pg and devalue into a temporary folder; once per test run. */
export function npmProject(): Promise<string> {
  project ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "signalry_postgres_peers_" });
    const deno = Deno.execPath();
    await run(deno, ["task", "build:npm"], ROOT);
    await run(deno, ["task", "build:npm"], PACKAGE_DIR);
    for (const folder of [ROOT, PACKAGE_DIR]) {
      await run(
        "npm",
        ["pack", "--silent", "--pack-destination", dir, "./npm"],
        folder,
      );
    }
    const tarballs = [...Deno.readDirSync(dir)]
      .filter((entry) => entry.name.endsWith(".tgz"))
      .map((entry) => `./${entry.name}`);
    Deno.writeTextFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "peers", private: true, type: "module" }),
    );
    await run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      ...tarballs,
      NPM_PG,
      DEVALUE,
    ], dir);
    Deno.copyFileSync(PEER, join(dir, "peer.mjs"));
    return dir;
  })();
  return project;
}

function denoImportMap(): string {
  const path = join(
    Deno.makeTempDirSync({ prefix: "signalry_postgres_map_" }),
    "map.json",
  );
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      imports: {
        "signalry": `file://${join(ROOT, "mod.ts")}`,
        "signalry/relay": `file://${join(ROOT, "relay.ts")}`,
        "@signalry/postgres": `file://${join(PACKAGE_DIR, "mod.ts")}`,
        "devalue": `npm:${DEVALUE}`,
        "pg": `npm:${NPM_PG}`,
      },
    }),
  );
  return path;
}

/** Starts a peer and resolves once its relay is ready. */
export async function startPeer(
  runtime: Runtime,
  options: { url: string; channel: string; name: string },
): Promise<Peer> {
  const args = [options.url, options.channel, options.name];
  return await spawnPeer(
    runtime === "deno"
      ? {
        name: options.name,
        runtime,
        command: Deno.execPath(),
        args: [
          "run",
          "-A",
          "--no-config",
          "--no-lock",
          `--import-map=${denoImportMap()}`,
          PEER,
          ...args,
        ],
        cwd: PACKAGE_DIR,
      }
      : {
        name: options.name,
        runtime,
        command: runtime,
        args: ["peer.mjs", ...args],
        cwd: await npmProject(),
      },
  );
}
