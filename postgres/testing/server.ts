/**
 * A real Postgres for the tests: Debian's `postgresql` binaries (the newest
 * version installed, or `POSTGRES_BIN`), a cluster
 * made by `initdb` in a temporary folder, the server on 127.0.0.1 on a free
 * port with its socket in that folder, and no durability (fsync off). Run as
 * the `postgres` user when the test runs as root (Postgres refuses root).
 * Stopped by its pid in a `finally` (`await using` does).
 *
 * @module
 */

import pg from "npm:pg@8.23.1";
import {
  freePort,
  type ServerProcess,
  startServerProcess,
} from "../../testing/servers.ts";

/** Where Debian puts each installed version's binaries. */
const DEBIAN_DIR = "/usr/lib/postgresql";
const BIN = Deno.env.get("POSTGRES_BIN") ?? newestDebianBin();
const INSTALL_HINT =
  "install it (Debian: apt-get update && apt-get install -y postgresql), or set POSTGRES_BIN to the folder holding initdb and postgres";

/** A running Postgres the test started. */
export interface PostgresServer extends AsyncDisposable {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** The postmaster's pid, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Stops it at once (SIGQUIT: no goodbye to the clients) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  restart(): Promise<void>;
  /** Runs one statement over a connection of its own; resolves with the rows. */
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
}

/** `/usr/lib/postgresql/<newest version>/bin`, or that folder for 15 when none is installed. */
function newestDebianBin(): string {
  let versions: number[] = [];
  try {
    versions = [...Deno.readDirSync(DEBIAN_DIR)]
      .map((entry) => Number(entry.name))
      .filter((version) => Number.isInteger(version))
      .sort((x, y) => y - x);
  } catch {
    // Not installed: the start fails with the install hint.
  }
  return `${DEBIAN_DIR}/${versions[0] ?? 15}/bin`;
}

/** The uid and gid to run Postgres as: `postgres` when we are root, else ourselves. */
function runAs(): { uid?: number; gid?: number } {
  if (Deno.uid() !== 0) return {};
  const passwd = Deno.readTextFileSync("/etc/passwd").split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === "postgres");
  if (passwd === undefined) {
    throw new Error(
      `No postgres user to run Postgres as (it refuses root): ${INSTALL_HINT}`,
    );
  }
  return { uid: Number(passwd[2]), gid: Number(passwd[3]) };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 1_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Makes a cluster with `initdb` and starts `postgres` on it; resolves once
 * it answers a query.
 *
 * @param settings Extra `name=value` server settings (`-c`).
 */
export async function startPostgres(
  settings: readonly string[] = [],
): Promise<PostgresServer> {
  const user = runAs();
  const dir = await Deno.makeTempDir({ prefix: "signalry_postgres_" });
  if (user.uid !== undefined) Deno.chownSync(dir, user.uid, user.gid ?? null);
  const data = `${dir}/data`;
  let initdb: Deno.CommandOutput;
  try {
    initdb = await new Deno.Command(`${BIN}/initdb`, {
      args: [
        "-D",
        data,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
      ],
      ...user,
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${BIN}/initdb not found: ${INSTALL_HINT}`);
    }
    throw error;
  }
  if (!initdb.success) {
    throw new Error(
      `initdb failed: ${new TextDecoder().decode(initdb.stderr)}`,
    );
  }
  const port = freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let server: ServerProcess;
  try {
    server = await startServerProcess({
      name: "postgres",
      command: `${BIN}/postgres`,
      args: [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        ...settings.flatMap((setting) => ["-c", setting]),
      ],
      answers: () => answers(url),
      installHint: INSTALL_HINT,
      stopSignal: "SIGQUIT",
      waitMs: 20_000,
      ...user,
    });
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    port,
    url,
    get pid() {
      return server.pid;
    },
    kill: () => server.kill(),
    restart: () => server.restart(),
    async query(text, values) {
      const client = new pg.Client({ connectionString: url });
      client.on("error", () => {});
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end().catch(() => {});
      }
    },
    async [Symbol.asyncDispose]() {
      await server.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
