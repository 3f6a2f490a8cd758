// Fills an empty database with the deterministic demo data (demo-data.ts). `npm run seed`
// (server/cli/seed.ts) and `npm start`'s first run both call seedDatabase().
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

/** Two processes seeding one empty database: the second one gets this, the first one goes on. */
export class SeedInProgressError extends Error {}

/** The one command that repairs a database whose seed never finished. */
export const RESET_COMMAND = "npm run seed -- --reset";

/** Why a start or a seed refuses a database whose seed was interrupted. */
export const INCOMPLETE_SEED = `the database holds a seed that never finished (interrupted half way); start again with: ${RESET_COMMAND}`;

/**
 * Seeds `target` (a store or a DATABASE_URL), which must be empty. The seed marks the
 * database `started` before its first row and `complete` after its last, so a seed
 * killed half way is recognised (Store.seedState) instead of passing for a ready one.
 */
export async function seedDatabase(target: Store | string, customerCount: number, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const store = typeof target === "string" ? await openStore(target) : target;
  try {
    const state = await store.seedState();
    if (state === "incomplete") throw new Error(INCOMPLETE_SEED);
    if (state === "seeding") throw new SeedInProgressError("another process is seeding this database");
    if (state !== "empty")
      throw new Error(`the database already holds data; seed only an empty one, or start again with: ${RESET_COMMAND}`);
    if (!(await store.claimSeed())) throw new SeedInProgressError("another process is seeding this database");
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
    await store.completeSeed();
    return { customers: customerCount, elapsedMs: performance.now() - started, users: data.users };
  } finally {
    if (typeof target === "string") await store.close();
  }
}
