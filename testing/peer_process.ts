/**
 * A test peer in another OS process that speaks JSON lines: it writes one
 * JSON object per line on stdout (`{ type: "ready" }` once it can be
 * talked to) and reads one command per line on stdin. Shared by the adapter
 * packages' cross-process tests; never published.
 *
 * @module
 */

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
  /** Asks it to exit, and kills it if it has not within the time limit. */
  close(): Promise<void>;
}

/** How to start a peer. */
export interface PeerCommand {
  /** Its name in messages. */
  readonly name: string;
  /** Where it runs, for messages ("deno", "node", "bun"). */
  readonly runtime: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** Whether `runtime` can run here. */
export function hasRuntime(runtime: string): boolean {
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

/** Runs `command` to completion; throws with its output if it fails. */
export async function run(
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

/** Starts a peer and resolves once it wrote `{ type: "ready" }`. */
export async function spawnPeer(start: PeerCommand): Promise<Peer> {
  const { command, cwd, runtime } = start;
  const options = { name: start.name };
  const commandArgs = [...start.args];
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd,
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
