/**
 * A real `nats-server` for the tests: Debian's binary, bound to 127.0.0.1 on
 * a free port, with its config file in a temporary folder (core NATS keeps no
 * data), stopped by its pid in a `finally` (`await using` does).
 *
 * @module
 */

import {
  freePort,
  type ServerProcess,
  startServerProcess,
} from "../../testing/servers.ts";

const NATS_SERVER = Deno.env.get("NATS_SERVER") ?? "nats-server";

/** A running `nats-server` the test started. */
export interface NatsServer extends AsyncDisposable {
  readonly port: number;
  /** `127.0.0.1:<port>`, for `connect({ servers })`. */
  readonly url: string;
  /** The server's pid, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it sends its INFO. */
  restart(): Promise<void>;
  /** Publishes raw bytes on `subject` over a protocol connection of its own. */
  publish(subject: string, payload: string | Uint8Array): Promise<void>;
}

/** Reads from `connection` until the text read so far ends with `suffix` (bounded). */
async function readUntil(
  connection: Deno.Conn,
  done: (text: string) => boolean,
): Promise<string> {
  const buffer = new Uint8Array(16 * 1024);
  const decoder = new TextDecoder();
  let text = "";
  for (let reads = 0; reads < 64 && !done(text); reads++) {
    const read = await connection.read(buffer);
    if (read === null) break;
    text += decoder.decode(buffer.subarray(0, read));
  }
  return text;
}

async function sendsInfo(port: number): Promise<boolean> {
  let connection: Deno.Conn | undefined;
  try {
    connection = await Deno.connect({ hostname: "127.0.0.1", port });
    const text = await readUntil(connection, (text) => text.includes("\r\n"));
    return text.startsWith("INFO ");
  } catch {
    return false;
  } finally {
    connection?.close();
  }
}

/**
 * Starts `nats-server` and resolves once it answers.
 *
 * @param options `maxPayload` sets the server's `max_payload` (bytes).
 */
export async function startNats(
  options: { maxPayload?: number } = {},
): Promise<NatsServer> {
  const dir = await Deno.makeTempDir({ prefix: "signalry_nats_" });
  const port = freePort();
  const config = `${dir}/nats.conf`;
  await Deno.writeTextFile(
    config,
    options.maxPayload === undefined
      ? "\n"
      : `max_payload: ${options.maxPayload}\n`,
  );
  let server: ServerProcess;
  try {
    server = await startServerProcess({
      name: "nats-server",
      command: NATS_SERVER,
      args: ["-a", "127.0.0.1", "-p", String(port), "-c", config],
      answers: () => sendsInfo(port),
      installHint:
        "install it (Debian: apt-get update && apt-get install -y nats-server), or set NATS_SERVER to its path",
    });
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    port,
    url: `127.0.0.1:${port}`,
    get pid() {
      return server.pid;
    },
    kill: () => server.kill(),
    restart: () => server.restart(),
    async publish(subject, payload) {
      const bytes = typeof payload === "string"
        ? new TextEncoder().encode(payload)
        : payload;
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await readUntil(connection, (text) => text.includes("\r\n"));
        const encoder = new TextEncoder();
        const head = encoder.encode(
          `CONNECT {"verbose":false,"pedantic":false}\r\nPUB ${subject} ${bytes.length}\r\n`,
        );
        for (
          const chunk of [head, bytes, encoder.encode("\r\nPING\r\n")]
        ) {
          await connection.write(chunk);
        }
        const reply = await readUntil(
          connection,
          (text) => text.includes("PONG") || text.includes("-ERR"),
        );
        if (!reply.includes("PONG")) throw new Error(`PUB failed: ${reply}`);
      } finally {
        connection.close();
      }
    },
    async [Symbol.asyncDispose]() {
      await server.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
