/**
 * Relay peers in other OS processes for the adapter packages' cross-process
 * tests: a script run on Node or Bun against packed npm packages installed
 * into a temporary project, or on Deno against the sources through an import
 * map, speaking JSON lines (commands on stdin, messages on stdout). Shared by
 * every adapter package; never published.
 *
 * @module
 */

import { join } from "node:path";

/** Where a peer runs. */
export type Runtime = "deno" | "node" | "bun";

/** How long a peer may take to start, or to answer. */
const PEER_TIMEOUT_MS = 30_000;

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
  /** Asks it to exit ({exit: true}), and kills it if it has not within the time limit. */
  close(): Promise<void>;
}

async function run(command: string, args: string[], cwd: string) {
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

/** Whether `runtime` can run here (Bun joins where it is installed). */
export function hasRuntime(runtime: Runtime): boolean {
  if (runtime === "deno") return true;
  try {
    return new Deno.Command(runtime, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Builds (`deno task build:npm`) and packs the npm package of each folder in
 * `packageDirs`, and installs them with `dependencies` (npm specs) into a
 * new temporary project, with `script` copied in.
 *
 * @returns The project's folder.
 */
export async function npmProject(
  packageDirs: readonly string[],
  dependencies: readonly string[],
  script: string,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "signalry_peers_" });
  for (const packageDir of packageDirs) {
    await run(Deno.execPath(), ["task", "build:npm"], packageDir);
    await run(
      "npm",
      ["pack", "--silent", "--pack-destination", dir, "./npm"],
      packageDir,
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
    ...dependencies,
  ], dir);
  Deno.copyFileSync(script, join(dir, script.replace(/^.*[/\\]/, "")));
  return dir;
}

/** Writes an import map for a Deno peer; returns its path. */
export function denoImportMap(imports: Record<string, string>): string {
  const path = join(
    Deno.makeTempDirSync({ prefix: "signalry_peer_map_" }),
    "map.json",
  );
  Deno.writeTextFileSync(path, JSON.stringify({ imports }));
  return path;
}

/**
 * Starts `command args` in `cwd` as a peer named `name`, and resolves once
 * it wrote a `{type: "ready"}` line.
 */
export async function startPeerProcess(
  options: {
    name: string;
    command: string;
    args: readonly string[];
    cwd: string;
    /** Added to the peer's environment (the signing tests' keys). */
    env?: Record<string, string>;
  },
): Promise<Peer> {
  const child = new Deno.Command(options.command, {
    args: [...options.args],
    cwd: options.cwd,
    ...(options.env === undefined ? {} : { env: options.env }),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const messages: PeerMessage[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  const exited = child.status;
  (async () => {
    let buffered = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
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
            `Peer ${options.name} sent no matching message within ${ms} ms; it wrote ${
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
