/**
 * node-postgres objects for the tests, made the way the README tells users
 * to: a listener factory that makes a connected `pg.Client`, and a
 * `pg.Pool` that notifies. The tests own them: `close()` ends every client
 * the factory made and the pool. Their `error` events are swallowed (the
 * channel reports what matters), as an application must handle them.
 *
 * @module
 */

import pg from "npm:pg@8.23.1";
import type { PgClient, PgListenerFactory } from "../mod.ts";

/** The node-postgres version the tests pin; the Node peers install the same. */
export const NPM_PG = "pg@8.23.1";

/** A listener factory and a pool, and how to end them. */
export interface PgClients extends AsyncDisposable {
  readonly listener: PgListenerFactory;
  readonly notifier: pg.Pool;
  /** Every client the factory made, in order. */
  readonly made: readonly pg.Client[];
  /** Connects a client of its own (ended by `close()` too). */
  client(): Promise<pg.Client>;
  /** Ends every client made and the pool. */
  close(): Promise<void>;
}

/** Makes a listener factory and a pool for the server at `url`. */
export function pgClients(url: string): PgClients {
  const made: pg.Client[] = [];
  const notifier = new pg.Pool({ connectionString: url, max: 4 });
  notifier.on("error", () => {});
  const client = async () => {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 2_000,
    });
    client.on("error", () => {});
    made.push(client);
    await client.connect();
    return client;
  };
  const close = async () => {
    for (const client of made) await client.end().catch(() => {});
    await notifier.end().catch(() => {});
  };
  return {
    listener: client as () => Promise<PgClient>,
    notifier,
    made,
    client,
    close,
    [Symbol.asyncDispose]: close,
  };
}
