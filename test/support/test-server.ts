// One home for what the HTTP suites share: a fresh database on the engine asked for,
// seeded with the demo data, served by the real app on an ephemeral port.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import postgres from "postgres";
import { inject } from "vitest";
import { type AppOptions, createApp } from "../../server/http/app.js";
import { seedDatabase } from "../../server/demo/seed.js";
import type { Store } from "../../server/store/contract.js";
import { openStore } from "../../server/store/open.js";
import { listen, type Running } from "./http.js";

export type Engine = "sqlite" | "postgres";

/** Every engine the store suites run on, each with the same assertions. */
export const ENGINES: readonly Engine[] = ["sqlite", "postgres"];

export interface TestDatabase {
  /** A DATABASE_URL for a database nobody else uses. */
  url: string;
  drop: () => Promise<void>;
}

/** A new, empty database; `name` only makes leftovers recognisable. */
export async function testDatabase(engine: Engine, name: string): Promise<TestDatabase> {
  switch (engine) {
    case "sqlite": {
      const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
      return { url: `sqlite:${path.join(dir, "customers.db")}`, drop: () => rm(dir, { recursive: true, force: true }) };
    }
    case "postgres": {
      // A database per suite in the run's one cluster (postgres-setup.ts): suites run in
      // parallel and never see each other's rows.
      const admin = new URL(inject("postgresUrl"));
      const database = `t_${name.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`;
      const sql = postgres(admin.href, { max: 1, onnotice: () => {} });
      await sql.unsafe(`CREATE DATABASE ${database}`);
      await sql.end();
      const url = new URL(admin.href);
      url.pathname = `/${database}`;
      return {
        url: url.href,
        drop: async () => {
          const dropper = postgres(admin.href, { max: 1, onnotice: () => {} });
          await dropper.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          await dropper.end();
        },
      };
    }
  }
}

export interface TestServer extends Running {
  store: Store;
  databaseUrl: string;
}

export async function startTestServer(options: {
  engine?: Engine;
  name: string;
  customers: number;
  /** App options beyond the store and a silent logger (login limits, for one). */
  app?: Partial<Omit<AppOptions, "store" | "logger">>;
}): Promise<TestServer> {
  const database = await testDatabase(options.engine ?? "sqlite", options.name);
  const store = await openStore(database.url);
  await seedDatabase(store, options.customers);
  const running = await listen(createApp({ ...options.app, store, logger: pino({ level: "silent" }) }));
  return {
    ...running,
    store,
    databaseUrl: database.url,
    close: async () => {
      await running.close();
      await store.close();
      await database.drop();
    },
  };
}
