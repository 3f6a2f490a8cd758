// One serving process: the app on a listening socket, and its orderly end. Used as the
// whole server when WEB_CONCURRENCY=1, and by each worker of cluster.ts otherwise.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createHttpServer } from "../generated/server.js";
import type { Config } from "./config.js";
import { DEMO_PASSWORD, demoApiKey } from "./demo/demo-data.js";
import { INCOMPLETE_SEED, SeedInProgressError, seedDatabase } from "./demo/seed.js";
import { createApp } from "./http/app.js";
import { type Store, StoreUnavailableError } from "./store/contract.js";
import { InvalidCustomerError } from "./store/customer-body.js";
import { DatabaseUrlError, openStore } from "./store/open.js";

/** Below the 10 s that systemd, Docker and Kubernetes wait before SIGKILL, with room to exit. */
export const DRAIN_TIMEOUT_MS = 8_000;

/** A start-up failure whose message says it all: logged as one line, without a stack. */
export class StartupError extends Error {}

/** How long a start waits for another instance's first-run seed. */
const SEED_WAIT_MS = 10 * 60_000;

/** Opens the database (migrating it), with a failure to reach it said in one line. */
export async function openConfiguredStore(config: Config): Promise<Store> {
  try {
    return await openStore(config.databaseUrl, config.pool);
  } catch (error) {
    if (error instanceof StoreUnavailableError || error instanceof DatabaseUrlError) throw new StartupError(error.message);
    // Upgrading stores a checked body for every customer; one the spec forbids stops it.
    if (error instanceof InvalidCustomerError) {
      throw new StartupError(`${error.message}. Correct that row, or reseed demo data with \`npm run seed -- --reset\`.`);
    }
    throw error;
  }
}

/** Seeds an empty database; one that another instance is seeding right now is waited for. */
async function ensureSeeded(store: Store, config: Config, logger: Logger): Promise<void> {
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

/** Migrates, and seeds demo data into an empty database: done once, before any worker serves. */
export async function prepareDatabase(config: Config, logger: Logger): Promise<Store> {
  const store = await openConfiguredStore(config);
  try {
    await ensureSeeded(store, config, logger);
  } catch (error) {
    await store.close().catch(() => {});
    throw error instanceof StoreUnavailableError ? new StartupError(error.message) : error;
  }
  return store;
}

/** What `npm start` prints once the port is known, for a person at a terminal. */
export function banner(host: string, port: number): string {
  const base = `http://${host}:${port}`;
  return `${[
    "",
    `  Customers API  ${base}/customers`,
    `  CSV            ${base}/customers.csv`,
    `  Docs           ${base}/docs   (spec: ${base}/openapi.json)`,
    `  Demo users (password "${DEMO_PASSWORD}") and their Bearer API keys:`,
    ...["sysadmin", "manager", "customer", "nobody"].map((user) => `    ${user.padEnd(9)} ${demoApiKey(user)}`),
    `  Try: curl -u sysadmin:${DEMO_PASSWORD} '${base}/customers?countPerPage=3'`,
    "",
  ].join("\n")}\n`;
}

/** Listens; resolves with the server once the port is bound. */
export function listen(store: Store, config: Config, logger: Logger): Promise<Server> {
  const app = createApp({ store, logger, development: config.development, validateResponses: config.validateResponses });
  return new Promise((resolve, reject) => {
    const server = createHttpServer(app);
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve(server));
  });
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * On SIGTERM or SIGINT: stop accepting, let in-flight requests (a stream included) finish,
 * close the database, exit 0; exit 1 if draining outlasts DRAIN_TIMEOUT_MS.
 */
export function exitOnSignals(server: Server, store: Store, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: draining in-flight requests");
    server.close(() => {
      store.close().then(
        () => {
          logger.info("stopped");
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, "closing the database failed");
          process.exit(1);
        },
      );
    });
    // close() drops the connections idle right now; a kept-alive connection whose request
    // was in flight becomes idle later and would hold the server open until its client
    // hangs up, so idle ones are swept until the last is gone.
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 100).unref();
    setTimeout(() => {
      logger.error({ ms: DRAIN_TIMEOUT_MS }, "requests still in flight after the drain timeout: exiting");
      process.exit(1);
    }, DRAIN_TIMEOUT_MS).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
