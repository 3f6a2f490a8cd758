// Fills an empty database with the deterministic demo data (demo-data.ts).
//
//   npx tsx server/seed.ts --customers 100000 [--reset]      (DATABASE_URL, default sqlite:data/customers.db)
//
// `npm start` calls seedDatabase() itself when the database is empty.
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import cliProgress from "cli-progress";
import { pino } from "pino";
import { hashApiKey, hashPassword } from "./credentials.js";
import { demoData, type DemoUser } from "./demo-data.js";
import { openStore, type CustomerStore, type NewCustomer } from "./store.js";

export const DEFAULT_DATABASE_URL = "sqlite:data/customers.db";

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
export async function seedDatabase(target: CustomerStore | string, customerCount: number,
  options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const store = typeof target === "string" ? await openStore(target) : target;
  try {
    if (!(await store.isEmpty())) throw new Error("the database already holds data; seed only an empty one (seed.ts --reset)");
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
    await store.insertUsers(await Promise.all(data.users.map(async (u) => ({
      username: u.username, passwordHash: await hashPassword(u.password), roles: u.roles, accountIds: u.accountIds,
      ...(u.customerId === undefined ? {} : { customerId: u.customerId }),
    }))));
    for (const u of data.users) await store.insertApiKey(hashApiKey(u.apiKey), u.username, "demo key");
    await store.optimize();
    return { customers: customerCount, elapsedMs: performance.now() - started, users: data.users };
  } finally {
    if (typeof target === "string") await store.close();
  }
}

/** Deletes a SQLite database file and its WAL companions; other URLs are refused. */
function resetDatabase(databaseUrl: string): void {
  if (!databaseUrl.startsWith("sqlite:")) throw new Error("--reset supports sqlite: URLs only");
  const path = databaseUrl.slice("sqlite:".length);
  if (path === ":memory:") return;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: "string", short: "n", default: "1000" },
      reset: { type: "boolean", default: false },
      "batch-size": { type: "string", default: "5000" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write("usage: tsx server/seed.ts [--customers N] [--reset] [--batch-size N]\n"
      + `DATABASE_URL selects the database (default ${DEFAULT_DATABASE_URL}).\n`);
    return;
  }
  const count = Number(values.customers);
  const batchSize = Number(values["batch-size"]);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--customers must be a positive integer, got "${values.customers}"`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error("--batch-size must be a positive integer");

  const log = pino({ name: "seed" }, pino.destination({ dest: 2, sync: true })); // sync: progress must show while it happens
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (values.reset) resetDatabase(databaseUrl);

  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, etaBuffer: 20,
      format: "seeding {bar} {percentage}% | {value}/{total} customers | {duration}s elapsed, ETA {eta}s" },
    cliProgress.Presets.shades_classic)
    : undefined;
  let nextLog = 0;
  bar?.start(count, 0);
  const result = await seedDatabase(databaseUrl, count, {
    batchSize,
    onProgress: (done, total) => {
      if (bar) bar.update(done);
      else if (done >= nextLog) {
        log.info({ done, total }, "seeding");
        nextLog = done + Math.max(batchSize, Math.ceil(total / 10));
      }
    },
  }).finally(() => bar?.stop());

  const seconds = (result.elapsedMs / 1000).toFixed(1);
  log.info({ customers: result.customers, seconds: Number(seconds), database: redact(databaseUrl) }, "seeded");
  process.stdout.write(`Seeded ${result.customers} customers in ${seconds} s.\n`
    + `Demo users (password "${result.users[0]?.password}"; demo only, never in production):\n`
    + result.users.map((u) => `  ${u.username.padEnd(9)} ${(u.roles.join(",") || "(no role)").padEnd(20)} API key ${u.apiKey}\n`).join(""));
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, "//***@");

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
