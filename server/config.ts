// Settings from the environment, checked once at start so a typo fails loudly, and the
// paths of what the build steps before start leave for the server to serve.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout: the nearest folder with a package.json, the same from server/ (tsx) and dist/server/ (compiled). */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return `${dir}/`;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const root = packageRoot(fileURLToPath(new URL(".", import.meta.url)));

/** Absolute, so the server and the tests find them whatever their working directory. */
export const PATHS = {
  /** Written by `npm run generate`. */
  bundledSpec: `${root}generated/openapi.json`,
  /** Written by `npm run docs` (and by `npm start`'s prestart step when stale). */
  docsHtml: `${root}.build/docs/index.html`,
} as const;
/** The embedded default: `npm start` works on a fresh machine with nothing else. */
export const DEFAULT_DATABASE_URL = "sqlite:data/customers.db";

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: string;
  /** NODE_ENV=development: 5xx bodies carry the error message. */
  development: boolean;
  /**
   * Check every response against the spec: on, except under NODE_ENV=production, which
   * relies on the store's write-time check instead (store/customer-body.ts);
   * VALIDATE_RESPONSES=on|off decides either way.
   */
  validateResponses: boolean;
  /** Customers `npm start` seeds into an empty database. */
  demoCustomers: number;
  /** WEB_CONCURRENCY: worker processes (node:cluster); 1 serves from the main process. */
  workers: number;
  /** PostgreSQL only: connections per process, and the time one statement may take. */
  pool: { max: number; statementTimeoutMs: number };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function onOff(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on" || raw === "off") return raw === "on";
  throw new Error(`${name} must be on or off, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: integer("PORT", env.PORT, 3000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    logLevel: env.LOG_LEVEL || "info",
    development: env.NODE_ENV === "development",
    validateResponses: onOff("VALIDATE_RESPONSES", env.VALIDATE_RESPONSES, env.NODE_ENV !== "production"),
    demoCustomers: integer("DEMO_CUSTOMERS", env.DEMO_CUSTOMERS, 2000, 0, 10_000_000),
    workers: integer("WEB_CONCURRENCY", env.WEB_CONCURRENCY, 1, 1, 64),
    pool: {
      max: integer("PG_POOL_SIZE", env.PG_POOL_SIZE, 10, 1, 1000),
      statementTimeoutMs: integer("PG_STATEMENT_TIMEOUT_MS", env.PG_STATEMENT_TIMEOUT_MS, 30_000, 0, 86_400_000),
    },
  };
}
