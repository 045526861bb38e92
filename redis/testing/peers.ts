/**
 * Starts `testing/peer.mjs` in another OS process: on Node or Bun against the
 * packed npm packages (`signalry` and `@signalry/redis`, built and installed
 * into a temporary project once per test run), or on Deno against the sources
 * through an import map. Each peer speaks JSON lines (see peer.mjs).
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NPM_CLIENTS } from "./clients.ts";
import type { Library } from "./clients.ts";

/** Where a peer runs. */
export type Runtime = "deno" | "node" | "bun";

/** How long a peer may take to start, or to answer. */
const PEER_TIMEOUT_MS = 30_000;

const REDIS_DIR = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(REDIS_DIR, "..");
const PEER = join(REDIS_DIR, "testing", "peer.mjs");
const DEVALUE = "devalue@6.0.3";

/** One JSON line a peer wrote. */
export interface PeerMessage {
  readonly from: string;
  readonly type: string;
  readonly [key: string]: unknown;
}

/** A peer process. */
export interface Peer extends AsyncDisposable {
  readonly name: string;
  readonly pid: number;
  /** Every line it wrote so far. */
  readonly messages: readonly PeerMessage[];
  /** Writes one command line to its stdin. */
  command(command: Record<string, unknown>): Promise<void>;
  /** Resolves with the first message so far or to come that `match`es; rejects after `ms`. */
  waitFor(
    match: (message: PeerMessage) => boolean,
    ms?: number,
  ): Promise<PeerMessage>;
  /** Sends SIGSTOP or SIGCONT. */
  signal(signal: "SIGSTOP" | "SIGCONT"): void;
  /** Asks it to exit, and kills it if it has not within the time limit. */
  close(): Promise<void>;
}

async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<void> {
  const { success, stderr, stdout } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    const decoder = new TextDecoder();
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${decoder.decode(stdout)}\n${
        decoder.decode(stderr)
      }`,
    );
  }
}

let project: Promise<string> | undefined;

/**
 * Builds and packs both npm packages and installs them, the clients and
 * devalue into a temporary folder; once per test run.
 */
export function npmProject(): Promise<string> {
  project ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "signalry_redis_peers_" });
    const deno = Deno.execPath();
    await run(deno, ["task", "build:npm"], ROOT);
    await run(deno, ["task", "build:npm"], REDIS_DIR);
    await run(
      "npm",
      ["pack", "--silent", "--pack-destination", dir, "./npm"],
      ROOT,
    );
    await run(
      "npm",
      ["pack", "--silent", "--pack-destination", dir, "./npm"],
      REDIS_DIR,
    );
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
      `redis4@npm:${NPM_CLIENTS["redis@4"]}`,
      `redis5@npm:${NPM_CLIENTS["redis@5"]}`,
      NPM_CLIENTS.ioredis,
      DEVALUE,
    ], dir);
    Deno.copyFileSync(PEER, join(dir, "peer.mjs"));
    return dir;
  })();
  return project;
}

function denoImportMap(): string {
  const path = join(
    Deno.makeTempDirSync({ prefix: "signalry_redis_map_" }),
    "map.json",
  );
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      imports: {
        "signalry": `file://${join(ROOT, "mod.ts")}`,
        "signalry/relay": `file://${join(ROOT, "relay.ts")}`,
        "@signalry/redis": `file://${join(REDIS_DIR, "mod.ts")}`,
        "devalue": `npm:${DEVALUE}`,
        "redis4": `npm:${NPM_CLIENTS["redis@4"]}`,
        "redis5": `npm:${NPM_CLIENTS["redis@5"]}`,
        "ioredis": `npm:${NPM_CLIENTS.ioredis}`,
      },
    }),
  );
  return path;
}

/** Whether `runtime` can run here (Bun joins where it is installed). */
export function hasRuntime(runtime: Runtime): boolean {
  if (runtime === "deno") return true;
  try {
    return new Deno.Command(runtime, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
}

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
  const [command, commandArgs, cwd] = runtime === "deno"
    ? [
      Deno.execPath(),
      [
        "run",
        "-A",
        "--no-config",
        "--no-lock",
        `--import-map=${denoImportMap()}`,
        PEER,
        ...args,
      ],
      REDIS_DIR,
    ]
    : [runtime, ["peer.mjs", ...args], await npmProject()];
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd,
    ...(options.key === undefined
      ? {}
      : { env: { SIGNALRY_RELAY_KEY: JSON.stringify(options.key) } }),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const messages: PeerMessage[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  const exited = child.status;
  (async () => {
    const decoder = new TextDecoderStream();
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(decoder)) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          messages.push(JSON.parse(line));
        } catch {
          messages.push({ from: options.name, type: "stdout", line });
        }
      }
      for (const waiter of waiters) waiter();
    }
  })().catch(() => {});
  (async () => {
    for await (
      const chunk of child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      stderr += chunk;
    }
  })().catch(() => {});
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();

  function waitFor(
    match: (message: PeerMessage) => boolean,
    ms = PEER_TIMEOUT_MS,
  ): Promise<PeerMessage> {
    return new Promise((resolve, reject) => {
      const clock: { timer?: ReturnType<typeof setTimeout> } = {};
      const check = () => {
        const found = messages.find(match);
        if (found === undefined) return false;
        clearTimeout(clock.timer);
        waiters.delete(check);
        resolve(found);
        return true;
      };
      if (check()) return;
      clock.timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `Peer ${options.name} (${runtime}) sent no matching message within ${ms} ms; it wrote ${
              JSON.stringify(messages.slice(-5))
            } and on stderr: ${stderr.slice(-2000)}`,
          ),
        );
      }, ms);
      waiters.add(check);
      exited.then(() => setTimeout(check, 0));
    });
  }

  async function close(): Promise<void> {
    try {
      child.kill("SIGCONT");
    } catch {
      // Already gone.
    }
    await writer.write(encoder.encode(`${JSON.stringify({ exit: true })}\n`))
      .catch(() => {});
    await writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, PEER_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  const peer: Peer = {
    name: options.name,
    pid: child.pid,
    messages,
    command: (command) =>
      writer.write(encoder.encode(`${JSON.stringify(command)}\n`)),
    waitFor,
    signal: (signal) => child.kill(signal),
    close,
    [Symbol.asyncDispose]: close,
  };
  try {
    await waitFor((message) => message.type === "ready");
  } catch (error) {
    await close();
    throw error;
  }
  return peer;
}
