/**
 * A real `redis-server` for the tests: Debian's binary, bound to 127.0.0.1 on
 * a free port, with no persistence and its working folder in a temporary
 * directory. Stop it by its pid in a `finally` (`await using` does).
 *
 * @module
 */

import {
  freePort,
  type ServerProcess,
  startServerProcess,
} from "../../testing/servers.ts";

const REDIS_SERVER = Deno.env.get("REDIS_SERVER") ?? "redis-server";
const REDIS_CLI = Deno.env.get("REDIS_CLI") ?? "redis-cli";

/** A running `redis-server` the test started. */
export interface RedisServer extends AsyncDisposable {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The server's pid, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Kills the server (SIGKILL: no goodbye to the clients) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** PUBLISHes raw bytes (any bytes, NUL included) over a connection of its own. */
  publish(
    channel: string,
    message: string | Uint8Array<ArrayBuffer>,
  ): Promise<void>;
  /** Runs `redis-cli` against it; resolves with its output. */
  cli(...args: string[]): Promise<string>;
}

async function answersPing(port: number): Promise<boolean> {
  let connection: Deno.TcpConn | undefined;
  try {
    connection = await Deno.connect({ hostname: "127.0.0.1", port });
    await connection.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const read = await connection.read(buffer);
    return read !== null &&
      new TextDecoder().decode(buffer.subarray(0, read)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    connection?.close();
  }
}

/**
 * Starts `redis-server` and resolves once it answers PING.
 *
 * @param config Extra `--name value` pairs for the server's command line.
 */
export async function startRedis(
  config: readonly string[] = [],
): Promise<RedisServer> {
  const dir = await Deno.makeTempDir({ prefix: "signalry_redis_" });
  const port = freePort();
  let server: ServerProcess;
  try {
    server = await startServerProcess({
      name: "redis-server",
      command: REDIS_SERVER,
      args: [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        ...config,
      ],
      answers: () => answersPing(port),
      installHint:
        "install it (Debian: apt-get update && apt-get install -y redis-server), or set REDIS_SERVER to its path",
    });
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return server.pid;
    },
    kill: () => server.kill(),
    restart: () => server.restart(),
    async publish(channel, message) {
      const encoder = new TextEncoder();
      const parts = [encoder.encode("PUBLISH"), encoder.encode(channel)];
      parts.push(
        typeof message === "string" ? encoder.encode(message) : message,
      );
      const chunks = [encoder.encode(`*${parts.length}\r\n`)];
      for (const part of parts) {
        chunks.push(
          encoder.encode(`$${part.length}\r\n`),
          part,
          encoder.encode("\r\n"),
        );
      }
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        for (const chunk of chunks) await connection.write(chunk);
        const reply = new Uint8Array(64);
        const read = await connection.read(reply);
        const text = new TextDecoder().decode(reply.subarray(0, read ?? 0));
        if (!text.startsWith(":")) throw new Error(`PUBLISH failed: ${text}`);
      } finally {
        connection.close();
      }
    },
    async cli(...args: string[]): Promise<string> {
      const { stdout, stderr, success } = await new Deno.Command(REDIS_CLI, {
        args: ["-h", "127.0.0.1", "-p", String(port), ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(stdout);
      if (!success) {
        throw new Error(
          `redis-cli ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`,
        );
      }
      return out;
    },
    async [Symbol.asyncDispose]() {
      await server.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
