// npm run bench [-- --duration 5 --requests N --connections 10 --sizes 10000,100000,1000000 --rounds 5
//                   --pairs 12 --pair-seconds 1 --workers 2 --smoke --no-postgres]
//
// Every number is measured in this one run, side by side, against servers in their own
// processes on 127.0.0.1 (load-client.ts, bounded in time, or in requests with --requests):
//   - the default page on (a) bare node:http sending the same bytes, (b) our Express app
//     with validation off, (c) our server as shipped, compiled and with workers, (e) the
//     Fastify peer, (d) the Prism mock (side-by-side.ts), and each target ratio between
//     two of them again from pairs measured back to back (paired.ts; (c)/(e), a
//     non-inferiority test, takes twice --pairs);
//   - every filter, sort and scope on (c), one connection, so p50 is the service time;
//   - simplifiedPaging against full paging on a broad filter;
//   - all=true as JSON and CSV at each size: time and the server's peak RSS;
//   - the filters and all=true again on PostgreSQL at the largest size (BENCH_DATABASE_URL,
//     or a local embedded cluster), beside SQLite's figures from this run.
// Prints the tables and, unless --smoke, writes them into BENCHMARKS.md. --smoke is a tiny
// run bounded by request count, so that it takes the same few seconds on any machine.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { demoData } from "../../server/demo/demo-data.js";
import { seedDatabase } from "../../server/demo/seed.js";
import { openStore, resetStore } from "../../server/store/open.js";
import { formatTable } from "../../client/table.js";
import { type Bound, drain, formatMs as ms, peakRssMb, serviceTime } from "./measure.js";
import { benchPostgres } from "./postgres.js";
import { auth, formatMarkdown, startApp, startAppOn } from "./servers.js";
import { sideBySide } from "./side-by-side.js";

const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
    sizes: { type: "string", default: "10000,100000,1000000" },
    dir: { type: "string", default: ".tmp/bench" },
    requests: { type: "string" },
    smoke: { type: "boolean", default: false },
    "no-postgres": { type: "boolean", default: false },
    out: { type: "string", default: "BENCHMARKS.md" },
    rounds: { type: "string", default: "5" },
    pairs: { type: "string", default: "12" },
    "pair-seconds": { type: "string", default: "1" },
    workers: { type: "string", default: String(Math.max(2, os.availableParallelism())) },
  },
});

const smoke = opts.smoke;
// Per measurement: a count keeps the smoke run's length independent of the machine's speed.
const bound: Bound = smoke ? { requests: 30 } : opts.requests ? { requests: Number(opts.requests) } : { seconds: Number(opts.duration) };
const boundText = "requests" in bound ? `${bound.requests} requests` : `${bound.seconds} s`;
const connections = smoke ? 2 : Number(opts.connections);
const sizes = (smoke ? "300" : opts.sizes)
  .split(",")
  .map(Number)
  .sort((a, b) => a - b);
const largest = sizes.at(-1)!;
const root = path.resolve(import.meta.dirname, "../..");
const dir = path.resolve(root, opts.dir, smoke ? "smoke" : "");
const say = (line: string) => process.stderr.write(`${line}\n`);
const sysadmin = auth("sysadmin");

// ---------------------------------------------------------------------------------------
// Databases and servers.
// ---------------------------------------------------------------------------------------

function databaseFor(size: number): string {
  return path.join(dir, `customers-${size}.db`);
}

async function ensureDatabase(size: number): Promise<void> {
  const file = databaseFor(size);
  if (existsSync(file)) {
    const store = await openStore(`sqlite:${file}`);
    const state = await store.seedState();
    await store.close();
    if (state === "ready") return;
    if (state === "seeding") throw new Error(`${path.relative(root, file)} is being seeded by another process`);
    // A run stopped while seeding leaves a file that is not a whole database.
    say(`${path.relative(root, file)} holds an unfinished seed: seeding it again`);
    await resetStore(`sqlite:${file}`);
  }
  mkdirSync(dir, { recursive: true });
  say(`seeding ${size.toLocaleString("en-US")} customers into ${path.relative(root, file)} ...`);
  let last = 0;
  const result = await seedDatabase(`sqlite:${file}`, size, {
    onProgress: (done, total) => {
      if (done - last >= total / 20 || done === total) {
        last = done;
        say(`  ${Math.round((done / total) * 100)}%`);
      }
    },
  });
  say(`  seeded in ${(result.elapsedMs / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------
// Scenarios, with ids taken from the deterministic demo data of the largest database.
// ---------------------------------------------------------------------------------------

interface Scenario {
  name: string;
  query: string;
  user: string;
}

function scenarios(size: number): { filters: Scenario[]; broad: string } {
  const data = demoData(size);
  const parentOf = new Map<string, string | undefined>();
  const subtree = new Map<string, number>();
  const children = new Map<string, number>();
  for (const c of data.customers()) {
    parentOf.set(c.id, c.parentCustomerId);
    if (c.parentCustomerId) children.set(c.parentCustomerId, (children.get(c.parentCustomerId) ?? 0) + 1);
    for (let p = c.parentCustomerId; p; p = parentOf.get(p)) subtree.set(p, (subtree.get(p) ?? 0) + 1);
  }
  const [deepParent] = [...subtree].sort((a, b) => b[1] - a[1])[0]!;
  const [wideParent] = [...children].sort((a, b) => b[1] - a[1])[0]!;
  const account = data.accounts[0]!.id!;
  const [tag1, tag2] = data.tags.map((t) => t.id!);
  const someIds = [...parentOf.keys()].filter((_, i) => i % Math.max(1, Math.floor(size / 5)) === 7).slice(0, 3);
  // Broad, and its count is real work: a single tag's or account's count is stored, so
  // skipping it would save nothing.
  const broad = "nameFilter=dental";
  return {
    broad,
    filters: [
      { name: "default page", query: "", user: "sysadmin" },
      { name: "accountIds (one account)", query: `accountIds=${account}`, user: "sysadmin" },
      { name: "nameFilter, broad (dental)", query: "nameFilter=dental", user: "sysadmin" },
      { name: "nameFilter, rare (café mü)", query: `nameFilter=${encodeURIComponent("café mü")}`, user: "sysadmin" },
      { name: "nameFilter, 2 characters (de)", query: "nameFilter=de", user: "sysadmin" },
      {
        name: `parentCustomerIds, deep (${subtree.get(deepParent)} descendants)`,
        query: `parentCustomerIds=${deepParent}`,
        user: "sysadmin",
      },
      {
        name: `parentCustomerIds + shallowParent (${children.get(wideParent)} children)`,
        query: `parentCustomerIds=${wideParent}&shallowParent=true`,
        user: "sysadmin",
      },
      { name: "tagIds, one tag (broad)", query: `tagIds=${tag1}`, user: "sysadmin" },
      { name: "tagIds, two tags (all of)", query: `tagIds=${tag1},${tag2}`, user: "sysadmin" },
      { name: "tagIds + nameFilter (dental)", query: `tagIds=${tag1}&nameFilter=dental`, user: "sysadmin" },
      { name: "deep page (page 2000), no filter", query: "page=2000", user: "sysadmin" },
      { name: "specificIds (3)", query: `specificIds=${someIds.join(",")}`, user: "sysadmin" },
      { name: "sortField=dateCreated, Descend", query: "sortField=dateCreated&sortOrder=Descend", user: "sysadmin" },
      { name: "sortField=accountName", query: "sortField=accountName", user: "sysadmin" },
      { name: "manager scope, default page", query: "", user: "manager" },
      { name: "customer scope, default page", query: "", user: "customer" },
    ],
  };
}

// ---------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------

const sections: string[] = [];
const verdicts: [string, string, string, boolean][] = [];

for (const size of sizes) await ensureDatabase(size);

// 1. Side by side: the default page on every server (side-by-side.ts), at every size from
// 100,000 up (the targets name 100,000 and 1,000,000), or at the largest if none is that big.
const sideSizes = sizes.filter((size) => size >= 100_000);
for (const size of sideSizes.length > 0 ? sideSizes : [largest]) {
  say(`side by side at ${size}: default page, ${connections} connections, ${boundText} each`);
  const compared = await sideBySide({
    databaseFile: databaseFor(size),
    customers: size,
    dir,
    connections,
    bound,
    rounds: smoke ? 1 : Number(opts.rounds),
    // The smoke run measures two pairs, so that an interval is computed.
    pairs: smoke ? 2 : Number(opts.pairs),
    pairBound: "requests" in bound ? bound : { seconds: Number(opts["pair-seconds"]) },
    workers: Number(opts.workers),
    say,
  });
  sections.push(compared.section);
  verdicts.push(...compared.verdicts);
}

// 2. Every filter on (c), one request at a time.
const shipped = await startApp("production", databaseFor(largest));
say(`filters: one request at a time, ${boundText} each`);
const { filters, broad } = scenarios(largest);
const filterRows: string[][] = [];
let slowest = { full: 0, simplified: 0 };
const sqliteP50 = new Map<string, [number, number]>();
for (const scenario of filters) {
  say(`  ${scenario.name}`);
  const full = await serviceTime(`${shipped.url}/customers?${scenario.query}`, auth(scenario.user), bound);
  const simple = await serviceTime(
    `${shipped.url}/customers?${scenario.query}${scenario.query ? "&" : ""}simplifiedPaging=true`,
    auth(scenario.user),
    bound,
  );
  slowest = { full: Math.max(slowest.full, full.p50), simplified: Math.max(slowest.simplified, simple.p50) };
  sqliteP50.set(scenario.name, [full.p50, simple.p50]);
  filterRows.push([
    scenario.name,
    scenario.user,
    ms(full.p50),
    ms(full.p99),
    ms(simple.p50),
    ms(simple.p99),
    String(full.errors + simple.errors),
  ]);
}
sections.push(
  `### Every filter, sort and scope on (c) (one request at a time, ${largest.toLocaleString("en-US")} customers)\n\n` +
    formatMarkdown(["scenario", "as", "p50 ms", "p99 ms", "p50 ms, simplifiedPaging", "p99 ms, simplifiedPaging", "errors"], filterRows),
);
verdicts.push([
  `every filtered page at ${largest.toLocaleString("en-US")}: p50, with totals`,
  "< 10 ms",
  `${ms(slowest.full)} ms (slowest)`,
  slowest.full < 10,
]);
verdicts.push([
  `every filtered page at ${largest.toLocaleString("en-US")}: p50, simplifiedPaging`,
  "< 10 ms",
  `${ms(slowest.simplified)} ms (slowest)`,
  slowest.simplified < 10,
]);

// 3. simplifiedPaging against full paging on a broad filter.
say("simplifiedPaging against full paging");
const full = await serviceTime(`${shipped.url}/customers?${broad}`, sysadmin, bound);
const simplified = await serviceTime(`${shipped.url}/customers?${broad}&simplifiedPaging=true`, sysadmin, bound);
sections.push(
  `### simplifiedPaging against full paging (${broad}, one request at a time)\n\n` +
    formatMarkdown(
      ["paging", "requests/s", "p50 ms", "p99 ms"],
      [
        ["full (count query runs)", full.rps.toFixed(0), ms(full.p50), ms(full.p99)],
        ["simplified (no count)", simplified.rps.toFixed(0), ms(simplified.p50), ms(simplified.p99)],
      ],
    ),
);
verdicts.push([
  "simplifiedPaging p50 / full paging p50",
  "<= 0.33",
  (simplified.p50 / Math.max(full.p50, 0.001)).toFixed(2),
  simplified.p50 <= full.p50 / 3,
]);
await shipped.stop();

// 4. all=true: time and peak RSS, a fresh server process per measurement. Each is run
// twice: first as the OS page cache finds the database (on a shared machine it evicts a
// large file between phases, and reading it back from disk can take most of the time),
// then again at once, which measures the server. The verdicts take the second.
say("all=true streaming: time and peak RSS");
const streamRows: string[][] = [];
const stream = async (size: number, format: "json" | "csv") => {
  const server = await startApp("production", databaseFor(size));
  const idle = peakRssMb(server.pid);
  const { ms, bytes } = await drain(`${server.url}/customers?all=true${format === "csv" ? "&format=csv" : ""}`, sysadmin);
  const peak = peakRssMb(server.pid);
  await server.stop();
  return { seconds: ms / 1000, bytes, idle, peak };
};
for (const size of sizes) {
  for (const format of ["json", "csv"] as const) {
    const first = await stream(size, format);
    const again = await stream(size, format);
    const peak = Math.max(first.peak, again.peak);
    say(`  ${size} ${format}: ${first.seconds.toFixed(2)} s, then ${again.seconds.toFixed(2)} s; peak RSS ${peak.toFixed(0)} MB`);
    streamRows.push([
      size.toLocaleString("en-US"),
      format.toUpperCase(),
      again.seconds.toFixed(2),
      first.seconds.toFixed(2),
      (again.bytes / 1e6).toFixed(1),
      again.idle.toFixed(0),
      peak.toFixed(0),
    ]);
    if (size === largest) {
      const rows = `all=true over ${largest.toLocaleString("en-US")} rows`;
      const limit = format === "json" ? 30 : 45;
      verdicts.push([`${rows}: ${format.toUpperCase()} time`, `< ${limit} s`, `${again.seconds.toFixed(1)} s`, again.seconds < limit]);
      verdicts.push([`${rows}: ${format.toUpperCase()} peak RSS`, "< 300 MB", `${peak.toFixed(0)} MB`, peak < 300]);
    }
  }
}
sections.push(
  "### all=true, streamed (a fresh server process each, run twice; RSS from /proc VmHWM)\n\n" +
    "`seconds` is the second run; `first run` is the one before it, as the page cache found the database.\n\n" +
    formatMarkdown(["rows", "format", "seconds", "first run", "MB sent", "RSS at start MB", "peak RSS MB"], streamRows),
);

// 5. PostgreSQL beside SQLite, same scenarios (scripts/bench/postgres.ts; --no-postgres skips it).
if (!opts["no-postgres"]) {
  const pg = await benchPostgres({
    size: largest,
    // A smoke run proves the section works; four scenarios are enough for that.
    filters: smoke ? filters.slice(0, 4) : filters,
    sqlite: sqliteP50,
    serviceTime: (url, user) => serviceTime(url, auth(user), bound),
    startApp: (url) => startAppOn("production", url),
    drain: (url) => drain(url, sysadmin),
    peakRssMb,
    table: formatMarkdown,
    say,
  });
  sections.push(...pg.sections);
  verdicts.push(...pg.verdicts);
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
const dbSize = `${(statSync(databaseFor(largest)).size / 2 ** 30).toFixed(2)} GiB`;
const targets =
  "### Targets\n\n" +
  formatMarkdown(
    ["target", "wanted", "measured", "met"],
    verdicts.map(([what, wanted, got, met]) => [what, wanted, got, met ? "yes" : "**no**"]),
  );
const report = [
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine}. Database: SQLite, ${largest.toLocaleString("en-US")} customers, ${dbSize}.`,
  targets,
  ...sections,
].join("\n\n");

console.log(report);
console.log(
  `\n${formatTable(
    ["target", "wanted", "measured", "met"],
    verdicts.map(([w, x, g, m]) => [w, x, g, m ? "yes" : "NO"]),
  )}`,
);

if (!smoke) {
  const file = path.resolve(root, opts.out);
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const current = existsSync(file) ? readFileSync(file, "utf8") : `# Benchmarks\n\n${start}\n${end}\n`;
  const [before, rest = ""] = current.split(start);
  const after = rest.split(end)[1] ?? "";
  writeFileSync(file, `${before}${start}\n${report}\n${end}${after}`);
  say(`wrote ${path.relative(root, file)}`);
}
