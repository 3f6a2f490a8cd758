// npm start: regenerate if the spec changed, migrate, seed demo data into an empty
// database, serve, and shut down cleanly on SIGTERM/SIGINT.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "./config.js";

const config = loadConfig();
const logger = pino({ level: config.logLevel });

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function generatedAt(): number {
  try {
    return statSync("generated/openapi.json").mtimeMs;
  } catch {
    return 0;
  }
}

/** Like make: regenerate when any spec file is newer than the bundle. */
async function generateIfStale(): Promise<void> {
  const built = generatedAt();
  if (built >= Math.max(newestMtime("openapi"), statSync("redocly.yaml").mtimeMs)) return;
  const { generate, writeOutputs } = await import("../scripts/lib/pipeline.js");
  try {
    const outputs = await generate({ specPath: "openapi/openapi.yaml", lint: true, onProblem: (line) => logger.warn(line) });
    const written = await writeOutputs("generated", outputs);
    logger.info({ written }, "regenerated from openapi/");
  } catch (error) {
    if (built === 0) throw error;
    logger.error({ err: error }, "the spec is broken; serving the last good generated code");
  }
}

async function main(): Promise<void> {
  await generateIfStale();
  // Imported only now: they import generated/, which the step above may have rewritten.
  const { openStore } = await import("./store.js");
  const { seedDatabase } = await import("./seed.js");
  const { createApp } = await import("./app.js");
  const { DEMO_PASSWORD, demoApiKey } = await import("./demo-data.js");

  const store = await openStore(config.databaseUrl);
  if (await store.isEmpty()) {
    logger.info({ customers: config.demoCustomers }, "empty database: seeding demo data");
    const seeded = await seedDatabase(store, config.demoCustomers);
    logger.info({ customers: seeded.customers, ms: Math.round(seeded.elapsedMs) }, "demo data seeded");
  }
  const app = createApp({ store, logger, development: config.development });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const base = `http://${config.host}:${port}`;
    logger.info({ url: base, database: config.databaseUrl.replace(/\/\/[^@/]*@/, "//***@") }, "listening");
    process.stdout.write(
      [
        "",
        `  Customers API  ${base}/customers`,
        `  CSV            ${base}/customers.csv`,
        `  Docs           ${base}/docs   (spec: ${base}/openapi.json)`,
        `  Demo users (password "${DEMO_PASSWORD}") and their Bearer API keys:`,
        ...["sysadmin", "manager", "customer", "nobody"].map((user) => `    ${user.padEnd(9)} ${demoApiKey(user)}`),
        `  Try: curl -u sysadmin:${DEMO_PASSWORD} '${base}/customers?countPerPage=3'`,
        "",
      ].join("\n") + "\n",
    );
  });

  // The docs are a convenience, built after the API is up so they never delay it (watch
  // mode restarts on every spec save): until then /docs serves the previous build, or 503.
  void import("../scripts/build-docs.js")
    .then(({ buildDocsIfStale }) => buildDocsIfStale())
    .then(
      (docs) => logger.info({ rebuilt: docs.built, ms: Math.round(docs.ms) }, "docs ready at /docs"),
      (error: unknown) => logger.error({ err: error }, "docs not built; /docs answers 503"),
    );

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

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "failed to start");
  process.exit(1);
});
