// npm run seed -- --customers 100000 [--reset]: the deterministic demo data, with progress.
// DATABASE_URL selects the database, as for npm start.
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { pino } from "pino";
import { DEFAULT_DATABASE_URL, loadConfig } from "../config.js";
import { seedDatabase } from "../demo/seed.js";
import { redactUrl, resetStore } from "../store/open.js";

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
    process.stdout.write(
      "usage: npm run seed -- [--customers N] [--reset] [--batch-size N]\n" +
        `DATABASE_URL selects the database (default ${DEFAULT_DATABASE_URL}).\n`,
    );
    return;
  }
  const count = Number(values.customers);
  const batchSize = Number(values["batch-size"]);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--customers must be a positive integer, got "${values.customers}"`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error("--batch-size must be a positive integer");

  const log = pino({ name: "seed" }, pino.destination({ dest: 2, sync: true })); // sync: progress must show while it happens
  const databaseUrl = loadConfig().databaseUrl;
  if (values.reset) await resetStore(databaseUrl);

  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          etaBuffer: 20,
          format: "seeding {bar} {percentage}% | {value}/{total} customers | {duration}s elapsed, ETA {eta}s",
        },
        cliProgress.Presets.shades_classic,
      )
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
  log.info({ customers: result.customers, seconds: Number(seconds), database: redactUrl(databaseUrl) }, "seeded");
  process.stdout.write(
    `Seeded ${result.customers} customers in ${seconds} s.\n` +
      `Demo users (password "${result.users[0]?.password}"; demo only, never in production):\n` +
      result.users.map((u) => `  ${u.username.padEnd(9)} ${(u.roles.join(",") || "(no role)").padEnd(20)} API key ${u.apiKey}\n`).join(""),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
