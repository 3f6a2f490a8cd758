// WEB_CONCURRENCY=N: N worker processes share the port through node:cluster, so one
// machine's cores all serve. The primary prepares the database once (migrations, demo
// seed: one writer) before forking, prints the banner when the first worker listens,
// relays SIGTERM/SIGINT to every worker and exits when they have drained. SQLite in WAL
// mode lets each worker keep its own connections for reading.
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { banner, boundPort, DRAIN_TIMEOUT_MS, exitOnSignals, listen, openConfiguredStore, prepareDatabase } from "./serve.js";
import { redactUrl } from "./store/open.js";

export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  if (config.databaseUrl.startsWith("sqlite::memory:"))
    throw new Error("WEB_CONCURRENCY > 1 needs a database the workers share: sqlite::memory: is private to each process");
  await (await prepareDatabase(config, logger)).close();

  let stopping = false;
  let announced = false;
  const listening = new Set<Worker>();
  const fork = () => cluster.fork();

  cluster.on("listening", (worker, address) => {
    listening.add(worker);
    if (announced) return;
    announced = true;
    logger.info(
      { url: `http://${config.host}:${address.port}`, database: redactUrl(config.databaseUrl), workers: config.workers },
      "listening",
    );
    process.stdout.write(banner(config.host, address.port));
  });
  cluster.on("exit", (worker, code, signal) => {
    const served = listening.delete(worker);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info("stopped");
        process.exit();
      }
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, "worker died");
    // A worker that never listened will not do better on a retry (bad port, bad
    // database): give up rather than fork in a loop.
    if (served) fork();
    else stop("SIGTERM", 1);
  });

  const stop = (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, "shutting down: draining the workers");
    // Ctrl-C reaches the workers too (same process group); SIGTERM from a supervisor only
    // the primary. A worker ignores the second signal, so relaying is safe either way.
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
    if (exitCode !== 0) process.exitCode = exitCode;
    setTimeout(() => {
      logger.error("workers still running after the drain timeout: killing them");
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(1);
    }, DRAIN_TIMEOUT_MS + 1_000).unref();
  };
  // Node passes the signal's number as a second argument: not an exit code.
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  for (let i = 0; i < config.workers; i++) fork();
}

export async function runWorker(config: Config, logger: Logger): Promise<void> {
  const log = logger.child({ worker: cluster.worker?.id });
  const store = await openConfiguredStore(config);
  const server = await listen(store, config, log);
  exitOnSignals(server, store, log);
  log.debug({ port: boundPort(server) }, "worker listening");
}
