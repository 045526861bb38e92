/**
 * Real servers for the adapter packages' tests (NATS, Postgres, ...): the
 * Debian package's binary, bound to 127.0.0.1 on a free port, started by the
 * test and stopped by its pid in a `finally` (`await using` does). Shared by
 * every package that needs it; never published.
 *
 * @module
 */

/** How long a start or stop may take before the test fails. */
const WAIT_MS = 10_000;
const POLL_MS = 25;

/** A port nobody listens on now: listen on port 0, read the port, close. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function acceptsConnections(port: number): Promise<boolean> {
  try {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    connection.close();
    return true;
  } catch {
    return false;
  }
}

/** How to start a server. */
export interface ServerProcessOptions {
  /** For messages: "nats-server", "postgres". */
  readonly name: string;
  /** The binary. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Resolves true once the server answers; polled until then (bounded). */
  answers(): Promise<boolean>;
  /** What to say when the binary is missing (how to install it). */
  readonly installHint: string;
  /** How long to wait for `answers()`, or for an exit; 10,000 ms by default. */
  readonly waitMs?: number;
  /** Run as this user id (Postgres refuses to run as root). */
  readonly uid?: number;
  /** Run as this group id. */
  readonly gid?: number;
  /**
   * How `kill()` stops it; SIGKILL by default (no goodbye to the clients).
   * Postgres takes SIGQUIT, which also takes its backends down. Whatever has
   * not exited within `waitMs` gets SIGKILL then.
   */
  readonly stopSignal?: Deno.Signal;
}

/** A server process the test started. */
export interface ServerProcess extends AsyncDisposable {
  /** Its pid, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Stops it (`stopSignal`, SIGKILL by default) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again with the same arguments; resolves once it answers. */
  restart(): Promise<void>;
}

/** Every server still running, killed if the test process ends early. */
const RUNNING = new Set<Deno.ChildProcess>();
let hooked = false;

function killOnUnload(): void {
  if (hooked) return;
  hooked = true;
  globalThis.addEventListener("unload", () => {
    for (const child of RUNNING) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

/**
 * Starts a server and resolves once `answers()` is true.
 *
 * @param options The command, how to tell it answers, and the install hint.
 * @returns The running server; stop it with `kill()` or `await using`.
 * @throws {Error} If the binary is missing (with the install hint), or the
 * server does not answer within the time limit.
 */
export async function startServerProcess(
  options: ServerProcessOptions,
): Promise<ServerProcess> {
  const waitMs = options.waitMs ?? WAIT_MS;
  let child: Deno.ChildProcess | undefined;
  killOnUnload();

  async function stop(): Promise<void> {
    const running = child;
    if (running === undefined) return;
    child = undefined;
    for (
      const signal of [options.stopSignal ?? "SIGKILL", "SIGKILL"] as const
    ) {
      try {
        running.kill(signal);
      } catch {
        // Already gone.
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        running.status.then(() => true),
        new Promise<false>((resolve) =>
          timer = setTimeout(() => resolve(false), waitMs)
        ),
      ]);
      clearTimeout(timer);
      if (exited) break;
    }
    RUNNING.delete(running);
  }

  async function start(): Promise<void> {
    try {
      child = new Deno.Command(options.command, {
        args: [...options.args],
        ...(options.uid === undefined ? {} : { uid: options.uid }),
        ...(options.gid === undefined ? {} : { gid: options.gid }),
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`${options.command} not found: ${options.installHint}`);
      }
      throw error;
    }
    RUNNING.add(child);
    const deadline = Date.now() + waitMs;
    for (let poll = 0; !(await options.answers()); poll++) {
      if (Date.now() > deadline || poll > waitMs / POLL_MS * 4) {
        await stop();
        throw new Error(
          `${options.name} did not answer within ${waitMs} ms`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  await start();
  return {
    get pid() {
      return child?.pid;
    },
    kill: stop,
    restart: start,
    [Symbol.asyncDispose]: stop,
  };
}
