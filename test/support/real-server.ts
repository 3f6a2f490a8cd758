// The real server on an ephemeral port over a freshly seeded SQLite database. Every import of
// server/ code for the web tests is here, so moving server files means changing this file only.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { createApp } from "../../server/http/app.js";
import { DEMO_PASSWORD, demoApiKey } from "../../server/demo/demo-data.js";
import { seedDatabase } from "../../server/demo/seed.js";
import { openStore } from "../../server/store/open.js";
import { listen } from "./http.js";

export { DEMO_PASSWORD, demoApiKey };

export interface SeededServer {
  baseUrl: string;
  close: () => Promise<void>;
}

export async function startSeededServer(customers: number): Promise<SeededServer> {
  const dir = await mkdtemp(path.join(tmpdir(), "web-server-"));
  const store = await openStore(`sqlite:${path.join(dir, "customers.db")}`);
  await seedDatabase(store, customers);
  const running = await listen(createApp({ store, logger: pino({ level: "silent" }) }));
  return {
    baseUrl: running.baseUrl,
    close: async () => {
      await running.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
