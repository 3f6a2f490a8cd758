// One home for what the HTTP suites share: a fresh database on the engine asked for,
// seeded with the demo data, served by the real app on an ephemeral port.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { createApp } from "../../server/http/app.js";
import { seedDatabase } from "../../server/demo/seed.js";
import type { Store } from "../../server/store/contract.js";
import { openStore } from "../../server/store/open.js";
import { listen, type Running } from "./http.js";

export type Engine = "sqlite";

/** Every engine the store suites run on, each with the same assertions. */
export const ENGINES: readonly Engine[] = ["sqlite"];

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
  }
}

export interface TestServer extends Running {
  store: Store;
  databaseUrl: string;
}

export async function startTestServer(options: { engine?: Engine; name: string; customers: number }): Promise<TestServer> {
  const database = await testDatabase(options.engine ?? "sqlite", options.name);
  const store = await openStore(database.url);
  await seedDatabase(store, options.customers);
  const running = await listen(createApp({ store, logger: pino({ level: "silent" }) }));
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
