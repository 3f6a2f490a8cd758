// Versioned migrations, applied at start by whichever instance gets there first: the
// others wait on a transaction-scoped advisory lock, then find nothing left to do. One
// transaction per start, so a failed migration leaves the database as it was.
import { fillBodies } from "./bodies.js";
import type { Sql } from "./connect.js";
import { MIGRATIONS, SCHEMA } from "./schema.js";

/** Arbitrary but fixed: every instance of this service locks the same key. */
const MIGRATION_LOCK = 0x65766f31; // "evo1"

export async function migrate(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    // Filling a million bodies outlasts the timeout meant for pages, for the instance that
    // migrates and for those waiting on its lock.
    await tx`SET LOCAL statement_timeout = 0`;
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (
      version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const [row] = await tx.unsafe<{ version: number }[]>(
      `SELECT coalesce(max(version), 0)::int AS version FROM ${SCHEMA}.schema_migrations`,
    );
    const version = row!.version;
    if (version > MIGRATIONS.length) {
      throw new Error(`database schema version ${version} is newer than this code (${MIGRATIONS.length})`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      await tx.unsafe(MIGRATIONS[v]!);
      await tx.unsafe(`INSERT INTO ${SCHEMA}.schema_migrations(version) VALUES (${v + 1})`);
    }
    // Migration 2 adds stored bodies, built in JavaScript from the rows (bodies.ts); a row
    // the spec forbids throws here and rolls the whole upgrade back.
    if (version < 2) await fillBodies(tx);
  });
}

/** `npm run seed -- --reset`: drops every table of the service (nothing outside SCHEMA). */
export async function dropSchema(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });
}
