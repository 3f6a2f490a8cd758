// Applies the SQLite migrations (schema.ts) that a database has not had yet.
import type Database from "better-sqlite3";
import { fillBodies } from "./bulk-load.js";
import { nameGrams } from "./names.js";
import { Reader } from "./rows.js";
import { MIGRATIONS } from "./schema.js";

export function migrate(db: Database.Database): void {
  // IMMEDIATE: two processes opening a fresh file at once must not both migrate.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`database schema version ${version} is newer than this code (${MIGRATIONS.length})`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      // Right after migration 2, before any later one reads customers_grams (migration 5 counts its tokens).
      if (v === 1) fillGrams(db);
    }
    // Migration 4 adds stored bodies, built in JavaScript from the rows (rows.ts).
    if (version < 4) fillBodies(new Reader(db));
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Migration 2 adds customers_grams, whose tokens are computed in JavaScript (names.ts), like an insert's. */
function fillGrams(db: Database.Database): void {
  const insert = db.prepare(`INSERT INTO customers_grams(rowid, grams) VALUES (?, ?)`);
  const chunk = db.prepare(`SELECT seq, name_fold FROM customers WHERE seq > ? ORDER BY seq LIMIT 10000`).raw(true);
  // In chunks: a connection cannot write while it iterates, and a million names at once would not be flat.
  for (let after = 0; ; ) {
    const rows = chunk.all(after) as [number, string][];
    if (rows.length === 0) break;
    for (const [seq, fold] of rows) insert.run(seq, nameGrams(fold));
    after = rows.at(-1)![0];
  }
}
