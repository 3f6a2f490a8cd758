// DATABASE_URL -> a Store. The engines are imported lazily, so a deployment loads only the
// driver it uses, and the contract never imports an implementation.
import { rmSync } from "node:fs";
import type { Store } from "./contract.js";
import type { PoolSettings } from "./postgres/connect.js";
import { redactUrl } from "./redact.js";

export { redactUrl };
export type { PoolSettings };

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** A DATABASE_URL this code cannot use: the message says what to write instead. */
export class DatabaseUrlError extends Error {}

function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.slice("sqlite:".length);
  if (path === "") throw new DatabaseUrlError(`DATABASE_URL "${databaseUrl}" has no path: use sqlite:PATH or sqlite::memory:`);
  return path;
}

function unknownEngine(databaseUrl: string): Error {
  return new DatabaseUrlError(`DATABASE_URL must be sqlite:PATH or postgres://…, got "${redactUrl(databaseUrl)}"`);
}

/** `sqlite:PATH` (PATH may be `:memory:`) or `postgres://user:password@host:port/db`. */
export async function openStore(databaseUrl: string, pool?: PoolSettings): Promise<Store> {
  if (databaseUrl.startsWith("sqlite:")) {
    const { SqliteCustomerStore } = await import("./sqlite/store.js");
    return SqliteCustomerStore.open(sqlitePath(databaseUrl));
  }
  if (isPostgres(databaseUrl)) {
    const { PostgresCustomerStore } = await import("./postgres/store.js");
    return PostgresCustomerStore.open(databaseUrl, pool);
  }
  throw unknownEngine(databaseUrl);
}

/**
 * `npm run seed -- --reset`: SQLite deletes the file and its WAL companions; PostgreSQL
 * drops the service's schema (and nothing else in the database).
 */
export async function resetStore(databaseUrl: string): Promise<void> {
  if (databaseUrl.startsWith("sqlite:")) {
    const path = sqlitePath(databaseUrl);
    if (path === ":memory:") return;
    for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
    return;
  }
  if (isPostgres(databaseUrl)) {
    const { connect, translate } = await import("./postgres/connect.js");
    const { dropSchema } = await import("./postgres/migrate.js");
    const sql = connect(databaseUrl, { max: 1, statementTimeoutMs: 0 });
    try {
      await dropSchema(sql).catch((error: unknown) => translate(error, databaseUrl));
    } finally {
      await sql.end({ timeout: 1 });
    }
    return;
  }
  throw unknownEngine(databaseUrl);
}
