// Fills an empty database with the deterministic demo data (demo-data.ts). `npm run seed`
// (server/cli/seed.ts) and `npm start`'s first run both call seedDatabase().
import { rmSync } from "node:fs";
import { hashApiKey, hashPassword } from "../auth/credentials.js";
import { demoData, type DemoUser } from "./demo-data.js";
import type { NewCustomer, Store } from "../store/contract.js";
import { openStore } from "../store/open.js";

export interface SeedOptions {
  /** Customers per transaction. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  customers: number;
  elapsedMs: number;
  users: DemoUser[];
}

/** Seeds `target` (a store or a DATABASE_URL), which must be empty. */
export async function seedDatabase(target: Store | string, customerCount: number, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const store = typeof target === "string" ? await openStore(target) : target;
  try {
    if (!(await store.isEmpty()))
      throw new Error("the database already holds data; seed only an empty one, or start again with: npm run seed -- --reset");
    const batchSize = options.batchSize ?? 5000;
    const data = demoData(customerCount);
    await store.insertAccounts(data.accounts);
    await store.insertTags(data.tags);
    let batch: NewCustomer[] = [];
    let done = 0;
    for (const customer of data.customers()) {
      batch.push(customer);
      if (batch.length < batchSize) continue;
      await store.insertCustomers(batch);
      done += batch.length;
      batch = [];
      options.onProgress?.(done, customerCount);
    }
    if (batch.length) await store.insertCustomers(batch);
    options.onProgress?.(customerCount, customerCount);
    // One scrypt per distinct password, not per user: the demo users share the published
    // password "demo", so a shared hash gives nothing away, and every seed (each test
    // database, each first start) saves three hashes of tens of milliseconds.
    const hashes = new Map<string, Promise<string>>();
    const hashOnce = (password: string) => hashes.get(password) ?? hashes.set(password, hashPassword(password)).get(password)!;
    await store.insertUsers(
      await Promise.all(
        data.users.map(async (u) => ({
          username: u.username,
          passwordHash: await hashOnce(u.password),
          roles: u.roles,
          accountIds: u.accountIds,
          ...(u.customerId === undefined ? {} : { customerId: u.customerId }),
        })),
      ),
    );
    for (const u of data.users) await store.insertApiKey(hashApiKey(u.apiKey), u.username, "demo key");
    await store.optimize();
    return { customers: customerCount, elapsedMs: performance.now() - started, users: data.users };
  } finally {
    if (typeof target === "string") await store.close();
  }
}

/** Deletes a SQLite database file and its WAL companions; other URLs are refused. */
export function resetDatabase(databaseUrl: string): void {
  if (!databaseUrl.startsWith("sqlite:")) throw new Error("--reset supports sqlite: URLs only");
  const path = databaseUrl.slice("sqlite:".length);
  if (path === ":memory:") return;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
}
