// npm run bench [-- --duration 5 --connections 10 --sizes 10000,100000,1000000 --smoke --no-postgres]
//
// Every number is measured in this one run, side by side, against servers in their own
// processes on 127.0.0.1 (autocannon, bounded in time and connections):
//   - the default page on (a) bare node:http sending the same bytes, (b) our Express app
//     with validation off, (c) our server as shipped, (d) the Prism mock;
//   - every filter, sort and scope on (c), one connection, so p50 is the service time;
//   - simplifiedPaging against full paging on a broad filter;
//   - all=true as JSON and CSV at each size: time and the server's peak RSS;
//   - the filters and all=true again on PostgreSQL at the largest size (BENCH_DATABASE_URL,
//     or a local embedded cluster), beside SQLite's figures from this run.
// Prints the tables and, unless --smoke, writes them into BENCHMARKS.md.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { demoData, DEMO_PASSWORD } from "../../server/demo/demo-data.js";
import { seedDatabase } from "../../server/demo/seed.js";
import { formatTable } from "../../client/table.js";
import { benchPostgres } from "./postgres.js";

const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
    sizes: { type: "string", default: "10000,100000,1000000" },
    dir: { type: "string", default: ".tmp/bench" },
    smoke: { type: "boolean", default: false },
    "no-postgres": { type: "boolean", default: false },
    out: { type: "string", default: "BENCHMARKS.md" },
  },
});

const smoke = opts.smoke;
const duration = smoke ? 1 : Number(opts.duration);
const connections = smoke ? 2 : Number(opts.connections);
const sizes = (smoke ? "300" : opts.sizes)
  .split(",")
  .map(Number)
  .sort((a, b) => a - b);
const largest = sizes.at(-1)!;
const root = path.resolve(import.meta.dirname, "../..");
const dir = path.resolve(root, opts.dir, smoke ? "smoke" : "");
const say = (line: string) => process.stderr.write(`${line}\n`);
const auth = (user: string) => `Basic ${Buffer.from(`${user}:${DEMO_PASSWORD}`).toString("base64")}`;

// ---------------------------------------------------------------------------------------
// Databases and servers.
// ---------------------------------------------------------------------------------------

function databaseFor(size: number): string {
  return path.join(dir, `customers-${size}.db`);
}

async function ensureDatabase(size: number): Promise<void> {
  const file = databaseFor(size);
  if (existsSync(file)) return;
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

interface Running {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

function startProcess(command: string, args: string[], ready: RegExp, urlOf: (match: RegExpMatchArray) => string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({
        url: urlOf(match),
        pid: child.pid!,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`)));
  });
}

const benchServer = path.join(root, "scripts/bench/bench-server.ts");
const startAppOn = (validation: "validate" | "plain", databaseUrl: string) =>
  startProcess(
    process.execPath,
    ["--import", "tsx", benchServer, "app", validation, databaseUrl],
    /listening (\d+)/,
    (m) => `http://127.0.0.1:${m[1]}`,
  );
const startApp = (validation: "validate" | "plain", size: number) => startAppOn(validation, `sqlite:${databaseFor(size)}`);
const startBare = (file: string) =>
  startProcess(process.execPath, ["--import", "tsx", benchServer, "bare", file], /listening (\d+)/, (m) => `http://127.0.0.1:${m[1]}`);
const startRouterOnly = (file: string) =>
  startProcess(process.execPath, ["--import", "tsx", benchServer, "router", file], /listening (\d+)/, (m) => `http://127.0.0.1:${m[1]}`);
const startPrism = async () => {
  const port = 4100 + Math.floor(Math.random() * 800);
  return startProcess(
    process.execPath,
    [
      path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js"),
      "mock",
      "generated/openapi.json",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ],
    /Prism is listening on (http:\/\/\S+)/,
    (m) => m[1]!,
  );
};

// ---------------------------------------------------------------------------------------
// Measuring.
// ---------------------------------------------------------------------------------------

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, user: string, conns: number): Promise<Measured> {
  // A short warm-up first: lazy initialisation (the validator compiles on first use) is not throughput.
  await autocannon({ url, connections: 1, amount: 20, headers: { authorization: auth(user) } });
  const result = await autocannon({ url, connections: conns, duration, headers: { authorization: auth(user) } });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

function getOnce(agent: http.Agent, url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { authorization } }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

/**
 * One request at a time on a kept-alive connection, each timed with the monotonic clock:
 * p50 is the service time, to a microsecond (autocannon rounds latency to whole ms).
 */
async function serviceTime(url: string, user: string): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const authorization = auth(user);
  for (let i = 0; i < 20; i++) await getOnce(agent, url, authorization);
  const samples: number[] = [];
  let errors = 0;
  const until = performance.now() + duration * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    const status = await getOnce(agent, url, authorization);
    samples.push(performance.now() - started);
    if (status < 200 || status >= 300) errors++;
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { rps: samples.length / duration, p50: at(0.5), p99: at(0.99), errors };
}

/** The kernel's record of the most memory the process has ever had resident. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function drain(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: auth("sysadmin") } });
  if (!response.ok || !response.body) throw new Error(`${url}: ${response.status}`);
  let bytes = 0;
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) bytes += read.value.byteLength;
  return { ms: performance.now() - started, bytes };
}

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

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

// 1. Side by side: the default page on (a) … (d).
say(`side by side: default page, ${connections} connections, ${duration} s each`);
const shipped = await startApp("validate", largest);
const plain = await startApp("plain", largest);
const bodyFile = path.join(dir, "default-page.json");
writeFileSync(
  bodyFile,
  Buffer.from(await (await fetch(`${shipped.url}/customers`, { headers: { authorization: auth("sysadmin") } })).arrayBuffer()),
);
const bare = await startBare(bodyFile);
const routerOnly = await startRouterOnly(bodyFile);
const prism = await startPrism();
// Rounds interleave the servers, and each figure is the median of its rounds, so that a
// noisy neighbour on a shared machine skews one round of every server, not one server.
const rounds = smoke ? 1 : 3;
const servers = [
  ["(a) bare node:http, same bytes precomputed", bare],
  ["(a2) generated router + validation, page from memory", routerOnly],
  ["(b) Express app, validation off", plain],
  ["(c) our server as shipped", shipped],
  ["(d) Prism mock", prism],
] as const;
const runs = new Map<string, Measured[]>();
for (let round = 1; round <= rounds; round++) {
  for (const [label, server] of servers) {
    say(`  round ${round}/${rounds}: ${label}`);
    runs.set(label, [...(runs.get(label) ?? []), await load(`${server.url}/customers`, "sysadmin", connections)]);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const sideBySide: [string, Measured][] = servers.map(([label]) => {
  const ms = runs.get(label)!;
  return [
    label,
    {
      rps: median(ms.map((m) => m.rps)),
      p50: median(ms.map((m) => m.p50)),
      p99: median(ms.map((m) => m.p99)),
      errors: ms.reduce((n, m) => n + m.errors, 0),
    },
  ];
});
await Promise.all([bare.stop(), routerOnly.stop(), plain.stop(), prism.stop()]);
const limit = sideBySide[0]![1].rps;
sections.push(
  `### The default page, side by side (${connections} connections, ${duration} s each, median of ${rounds} interleaved rounds, ${largest.toLocaleString("en-US")} customers)\n\n` +
    formatMarkdown(
      ["server", "requests/s", "p50 ms", "p99 ms", "errors", "ratio to (a)"],
      sideBySide.map(([label, m]) => [label, m.rps.toFixed(0), String(m.p50), String(m.p99), String(m.errors), (m.rps / limit).toFixed(2)]),
    ),
);
const [, b] = sideBySide[2]!;
const [, c] = sideBySide[3]!;
verdicts.push(["validation costs little: (c)/(b)", ">= 0.8", (c.rps / b.rps).toFixed(2), c.rps / b.rps >= 0.8]);
verdicts.push(["near the limit: (c)/(a)", ">= 0.5", (c.rps / limit).toFixed(2), c.rps / limit >= 0.5]);

// 2. Every filter on (c), one request at a time.
say(`filters: one request at a time, ${duration} s each`);
const { filters, broad } = scenarios(largest);
const filterRows: string[][] = [];
const sqliteP50 = new Map<string, [number, number]>();
let slowest = { full: 0, simplified: 0 };
for (const scenario of filters) {
  say(`  ${scenario.name}`);
  const full = await serviceTime(`${shipped.url}/customers?${scenario.query}`, scenario.user);
  const simple = await serviceTime(
    `${shipped.url}/customers?${scenario.query}${scenario.query ? "&" : ""}simplifiedPaging=true`,
    scenario.user,
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
const full = await serviceTime(`${shipped.url}/customers?${broad}`, "sysadmin");
const simplified = await serviceTime(`${shipped.url}/customers?${broad}&simplifiedPaging=true`, "sysadmin");
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

// 4. all=true: time and peak RSS, a fresh server process per measurement.
say("all=true streaming: time and peak RSS");
const streamRows: string[][] = [];
for (const size of sizes) {
  for (const format of ["json", "csv"] as const) {
    const server = await startApp("validate", size);
    const idle = peakRssMb(server.pid);
    const { ms: took, bytes } = await drain(`${server.url}/customers?all=true${format === "csv" ? "&format=csv" : ""}`);
    const peak = peakRssMb(server.pid);
    await server.stop();
    say(`  ${size} ${format}: ${(took / 1000).toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB`);
    streamRows.push([
      size.toLocaleString("en-US"),
      format.toUpperCase(),
      (took / 1000).toFixed(2),
      (bytes / 1e6).toFixed(1),
      idle.toFixed(0),
      peak.toFixed(0),
    ]);
    if (size === largest && format === "json")
      verdicts.push([`all=true over ${largest.toLocaleString("en-US")} rows: peak RSS`, "< 300 MB", `${peak.toFixed(0)} MB`, peak < 300]);
  }
}
sections.push(
  "### all=true, streamed (a fresh server process each; RSS from /proc VmHWM)\n\n" +
    formatMarkdown(["rows", "format", "seconds", "MB sent", "RSS at start MB", "peak RSS MB"], streamRows),
);

// 5. PostgreSQL beside SQLite, same scenarios (scripts/bench/postgres.ts; --no-postgres skips it).
if (!opts["no-postgres"]) {
  const pg = await benchPostgres({
    size: largest,
    // A smoke run proves the section works; four scenarios are enough for that.
    filters: smoke ? filters.slice(0, 4) : filters,
    sqlite: sqliteP50,
    serviceTime,
    startApp: (url) => startAppOn("validate", url),
    drain,
    peakRssMb,
    table: formatMarkdown,
    say,
  });
  sections.push(...pg.sections);
  verdicts.push(...pg.verdicts);
}

function formatMarkdown(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
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
