// The connection pool, and what the rest of the server sees of PostgreSQL's failures:
// an unreachable or vanished database is a StoreUnavailableError (HTTP 503), never a
// driver error with a stack; nothing here ever prints the URL's password.
import postgres from "postgres";
import { StoreUnavailableError } from "../contract.js";
import { redactUrl } from "../redact.js";
import { SCHEMA } from "./schema.js";

export type Sql = postgres.Sql;

export interface PoolSettings {
  /** Connections per server process (PG_POOL_SIZE). */
  max: number;
  /** Milliseconds before PostgreSQL cancels one statement (PG_STATEMENT_TIMEOUT_MS); 0 = none. */
  statementTimeoutMs: number;
}

export const DEFAULT_POOL: PoolSettings = { max: 10, statementTimeoutMs: 30_000 };

/** Connection-level failures: the database is down, restarting or unreachable, not the query wrong. */
const UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up)
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300", // too_many_connections
]);

export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && UNAVAILABLE.has(code);
}

/** Rethrows a connection failure as StoreUnavailableError; anything else as it is. */
export function translate(error: unknown, url: string): never {
  if (isUnavailable(error)) {
    const e = error as { code: string; message?: string };
    throw new StoreUnavailableError(`PostgreSQL at ${where(url)} is unavailable (${e.code})`, { cause: error });
  }
  throw error;
}

/** host:port/db, without user or password. */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return redactUrl(url);
  }
}

export function connect(url: string, pool: PoolSettings = DEFAULT_POOL): Sql {
  return postgres(url, {
    max: pool.max,
    idle_timeout: 60,
    connect_timeout: 10,
    // Our own statements are fixed texts with parameters: prepared once per connection.
    prepare: true,
    onnotice: () => {},
    connection: {
      application_name: "evo-customers-api",
      search_path: `${SCHEMA}, public`,
      ...(pool.statementTimeoutMs > 0 ? { statement_timeout: pool.statementTimeoutMs } : {}),
    },
  });
}
