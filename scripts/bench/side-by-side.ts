// The default page on every server that could answer it, measured in one run: the limit,
// our app without and with validation, the compiled build alone and with workers, the
// Fastify peer, and the Prism mock. Rounds interleave the servers, each round in a rotated
// order, and each figure is the median of its rounds, so a noisy neighbour on a shared
// machine skews one round of every server, not one server. The targets' ratios are
// measured again after the rounds, each from pairs of its two servers back to back
// (paired.ts): in a round they stand up to a minute apart, long enough for the machine's
// speed to change by more than the difference being measured.
import { isDeepStrictEqual } from "node:util";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { buildIfStale } from "../build.js";
import { type Bound, formatMs, load, type Measured } from "./measure.js";
import { formatEstimate, pairedRatio, type RatioEstimate } from "./paired.js";
import {
  auth,
  formatMarkdown,
  median,
  type Running,
  startApp,
  startBare,
  startCompiled,
  startFastifyPeer,
  startHandlerOnly,
  startPrism,
  startRouterOnly,
} from "./servers.js";

export interface SideBySideOptions {
  databaseFile: string;
  customers: number;
  /** Where the precomputed page for (a) and (a2) is written. */
  dir: string;
  connections: number;
  bound: Bound;
  rounds: number;
  /** A B B A pairs per target ratio (paired.ts), each slice bounded by pairBound. */
  pairs: number;
  pairBound: Bound;
  workers: number;
  say: (line: string) => void;
}

export type Verdict = [what: string, wanted: string, measured: string, met: boolean];

const defaultPage = async (server: Running) =>
  Buffer.from(await (await fetch(`${server.url}/customers`, { headers: { authorization: auth("sysadmin") } })).arrayBuffer());

export async function sideBySide(o: SideBySideOptions): Promise<{ section: string; verdicts: Verdict[] }> {
  const build = await buildIfStale();
  if (build.built) o.say(`  compiled dist/ in ${(build.ms / 1000).toFixed(1)} s`);
  const shipped = await startApp("production", o.databaseFile);
  const page = await defaultPage(shipped);
  const bodyFile = path.join(o.dir, "default-page.json");
  writeFileSync(bodyFile, page);
  const peer = await startFastifyPeer(o.databaseFile);
  const [onNode, onExpress] = await Promise.all([startHandlerOnly("node", o.databaseFile), startHandlerOnly("express", o.databaseFile)]);
  // A server that answers something else would make its speed meaningless.
  const others = [
    ["Fastify peer", peer],
    ["handler on node:http", onNode],
    ["handler on Express", onExpress],
  ] as const;
  for (const [name, other] of others) {
    if (!isDeepStrictEqual(JSON.parse((await defaultPage(other)).toString()), JSON.parse(page.toString())))
      throw new Error(`the ${name}'s default page differs from our server's`);
  }
  const servers: [string, Running][] = [
    ["(a) bare node:http, same bytes precomputed", await startBare(bodyFile)],
    ["(a2) generated router as in production, page text from memory", await startRouterOnly(bodyFile)],
    ["(a3) node:http alone: our handler and store, no auth, no validation", onNode],
    ["(b0) Express alone: the same on one bare route, served as app.listen does", onExpress],
    ["(b) Express app, validation off", await startApp("plain", o.databaseFile)],
    ["(c) our server as shipped (NODE_ENV=production)", shipped],
    ["(c-dev) the same, responses validated too (development, tests)", await startApp("validate", o.databaseFile)],
    ["(c1) compiled (npm start's node dist/), 1 process", await startCompiled(o.databaseFile, 1)],
    [`(cN) compiled, WEB_CONCURRENCY=${o.workers}`, await startCompiled(o.databaseFile, o.workers)],
    ["(e) Fastify peer: Ajv, same store and handlers", peer],
    ["(d) Prism mock", await startPrism()],
  ];
  // Every server is loaded once before the rounds, with all the connections: the JIT
  // compiles its hot code, and each worker of (cN) gets traffic (load()'s own short
  // warm-up uses one connection, so it reaches one worker). Not counted.
  const warmUp: Bound = "seconds" in o.bound ? { seconds: Math.min(3, o.bound.seconds) } : o.bound;
  for (const [label, server] of servers) {
    o.say(`  warm-up: ${label}`);
    await load(`${server.url}/customers`, auth("sysadmin"), o.connections, warmUp);
  }
  const runs = new Map<string, Measured[]>();
  for (let round = 1; round <= o.rounds; round++) {
    // Each round starts one server later, so no server always follows the same neighbour
    // (the slow c-dev, say) or always runs at the same point of a round.
    const shift = (round - 1) % servers.length;
    for (const [label, server] of [...servers.slice(shift), ...servers.slice(0, shift)]) {
      o.say(`  round ${round}/${o.rounds}: ${label}`);
      runs.set(label, [...(runs.get(label) ?? []), await load(`${server.url}/customers`, auth("sysadmin"), o.connections, o.bound)]);
    }
  }
  const rows = servers.map(([label]): [string, Measured, number[]] => {
    const ms = runs.get(label)!;
    const rps = ms.map((m) => m.rps);
    return [
      label,
      {
        rps: median(rps),
        p50: median(ms.map((m) => m.p50)),
        p99: median(ms.map((m) => m.p99)),
        errors: ms.reduce((n, m) => n + m.errors, 0),
      },
      rps,
    ];
  });
  const rps = (prefix: string) => rows.find(([label]) => label.startsWith(prefix))![1].rps;
  const limit = rps("(a)");
  const section =
    `### The default page, side by side (${o.connections} connections, ${"requests" in o.bound ? `${o.bound.requests} requests` : `${o.bound.seconds} s`} each, median of ${o.rounds} interleaved rounds after a warm-up, ${o.customers.toLocaleString("en-US")} customers)\n\n` +
    formatMarkdown(
      ["server", "requests/s", "each round", "p50 ms", "p99 ms", "errors", "ratio to (a)", "ratio to (d)"],
      rows.map(([label, m, each]) => [
        label,
        m.rps.toFixed(0),
        each.map((r) => r.toFixed(0)).join(" / "),
        formatMs(m.p50),
        formatMs(m.p99),
        String(m.errors),
        (m.rps / limit).toFixed(3),
        (m.rps / rps("(d)")).toFixed(2),
      ]),
    );
  const running = (prefix: string) => servers.find(([label]) => label.startsWith(prefix))![1];
  const [a, b, c, c1, cN, e, d] = ["(a)", "(b)", "(c) our", "(c1)", "(cN)", "(e)", "(d)"].map(running);
  type Target = [what: string, wanted: string, x: Running, y: Running, met: (estimate: RatioEstimate) => boolean, pairs: number];
  const targets: Target[] = [
    ["validation costs little: (c)/(b)", ">= 0.9", c!, b!, (r) => r.ratio >= 0.9, o.pairs],
    ["near the limit: (c)/(a)", ">= 0.08", c!, a!, (r) => r.ratio >= 0.08, o.pairs],
    ["faster than the mock: (c)/(d)", ">= 3", c!, d!, (r) => r.ratio >= 3, o.pairs],
    // Both spend nine tenths of a request in the same store and credential check, so the
    // frameworks differ by a few percent at most. "Not slower" is read as a non-inferiority
    // test: met when the whole 95% interval lies above 0.95, so that a loss of 5% or more
    // is ruled out, not when a point estimate happens to land on one side of 1. Twelve
    // pairs gave intervals 16% wide here, wider than the margin tested, so this target
    // takes twice the pairs (an interval about 0.7 times as wide).
    ["not slower than Fastify: (c)/(e)", "95% interval above 0.95", c!, e!, (r) => r.low >= 0.95, 2 * o.pairs],
    [`workers: (cN)/(c1), ${o.workers} workers`, ">= 1.5", cN!, c1!, (r) => r.ratio >= 1.5, o.pairs],
    ["the tsx loader costs nothing: (c1)/(c)", "0.9 to 1.1", c1!, c!, (r) => Math.abs(r.ratio - 1) <= 0.1, o.pairs],
  ];
  // One slice of a pair: the servers are warm, so no warm-up of its own.
  const rate = async (server: Running) => (await load(`${server.url}/customers`, auth("sysadmin"), o.connections, o.pairBound, 0)).rps;
  const verdicts: Verdict[] = [];
  for (const [what, wanted, x, y, met, pairs] of targets) {
    o.say(`  ${pairs} pairs: ${what}`);
    const estimate = await pairedRatio(x, y, pairs, rate);
    verdicts.push([
      `${what} at ${o.customers.toLocaleString("en-US")}`,
      wanted,
      `${formatEstimate(estimate)}, ${pairs} pairs`,
      met(estimate),
    ]);
  }
  await Promise.all(servers.map(([, server]) => server.stop()));
  return { section, verdicts };
}
