// npm start (after its prestart step has regenerated and built the docs if stale):
// migrate, seed demo data into an empty database, serve, and shut down cleanly on
// SIGTERM/SIGINT.
import { pino } from "pino";
import { loadConfig } from "./config.js";
import { createApp } from "./http/app.js";
import { DEMO_PASSWORD, demoApiKey } from "./demo/demo-data.js";
import { INCOMPLETE_SEED, SeedInProgressError, seedDatabase } from "./demo/seed.js";
import { type Store, StoreUnavailableError } from "./store/contract.js";
import { DatabaseUrlError, openStore, redactUrl } from "./store/open.js";

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    // Before the logger exists (its level is a setting): one plain line.
    process.stderr.write(`cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
})();
const logger = pino({ level: config.logLevel });

/** How long a start waits for another instance's first-run seed. */
const SEED_WAIT_MS = 10 * 60_000;

/** Seeds an empty database; one that another instance is seeding right now is waited for. */
async function ensureSeeded(store: Store): Promise<void> {
  const state = await store.seedState();
  if (state === "incomplete") throw new StartupError(INCOMPLETE_SEED);
  if (state === "ready") return;
  if (state === "empty") {
    logger.info({ customers: config.demoCustomers }, "empty database: seeding demo data");
    try {
      const seeded = await seedDatabase(store, config.demoCustomers);
      logger.info({ customers: seeded.customers, ms: Math.round(seeded.elapsedMs) }, "demo data seeded");
      return;
    } catch (error) {
      if (!(error instanceof SeedInProgressError)) throw error;
    }
  }
  logger.info("another instance is seeding the database: waiting for it");
  for (const deadline = Date.now() + SEED_WAIT_MS; Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await store.seedState();
    if (now === "ready") return;
    if (now === "incomplete") break;
  }
  throw new StartupError(INCOMPLETE_SEED);
}

async function main(): Promise<void> {
  let store: Store;
  try {
    store = await openStore(config.databaseUrl, config.pool);
  } catch (error) {
    if (error instanceof StoreUnavailableError || error instanceof DatabaseUrlError) throw new StartupError(error.message);
    throw error;
  }
  try {
    await ensureSeeded(store);
  } catch (error) {
    await store.close().catch(() => {});
    throw error instanceof StoreUnavailableError ? new StartupError(error.message) : error;
  }
  const app = createApp({ store, logger, development: config.development });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const base = `http://${config.host}:${port}`;
    logger.info({ url: base, database: redactUrl(config.databaseUrl) }, "listening");
    process.stdout.write(
      `${[
        "",
        `  Customers API  ${base}/customers`,
        `  CSV            ${base}/customers.csv`,
        `  Docs           ${base}/docs   (spec: ${base}/openapi.json)`,
        `  Demo users (password "${DEMO_PASSWORD}") and their Bearer API keys:`,
        ...["sysadmin", "manager", "customer", "nobody"].map((user) => `    ${user.padEnd(9)} ${demoApiKey(user)}`),
        `  Try: curl -u sysadmin:${DEMO_PASSWORD} '${base}/customers?countPerPage=3'`,
        "",
      ].join("\n")}\n`,
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // Stop accepting, let in-flight requests finish, then close the database.
    server.close(() => {
      void store.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/** A start-up failure whose message says it all: logged as one line, without a stack. */
class StartupError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof StartupError) logger.fatal(`cannot start: ${error.message}`);
  else logger.fatal({ err: error }, "failed to start");
  process.exit(1);
});
