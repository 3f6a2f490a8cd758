// npm start (after its prestart step has regenerated, rebuilt the docs and compiled dist/
// if stale): migrate, seed demo data into an empty database, serve, and stop cleanly on
// SIGTERM/SIGINT. WEB_CONCURRENCY=N > 1 serves from N node:cluster workers (cluster.ts).
import cluster from "node:cluster";
import { type Logger, pino } from "pino";
import { runPrimary, runWorker } from "./cluster.js";
import { type Config, loadConfig } from "./config.js";
import { banner, boundPort, exitOnSignals, listen, prepareDatabase, StartupError } from "./serve.js";
import { redactUrl } from "./store/open.js";

async function serveAlone(config: Config, logger: Logger): Promise<void> {
  const store = await prepareDatabase(config, logger);
  const server = await listen(store, config, logger);
  exitOnSignals(server, store, logger);
  const port = boundPort(server);
  logger.info({ url: `http://${config.host}:${port}`, database: redactUrl(config.databaseUrl) }, "listening");
  process.stdout.write(banner(config.host, port));
}

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
const run = cluster.isWorker ? runWorker : config.workers > 1 ? runPrimary : serveAlone;
run(config, logger).catch((error: unknown) => {
  if (error instanceof StartupError) logger.fatal(`cannot start: ${error.message}`);
  else logger.fatal({ err: error }, "failed to start");
  process.exit(1);
});
