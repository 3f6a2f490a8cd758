// npm run bench:login-flood [-- --connections 20 --samples 12 --seconds 20]
//
// How long a real Basic sign-in (a right password, not yet cached: one full scrypt) takes
// on our server as shipped, quiet and under floods of sign-ins that fail:
//   - unknown usernames, each connection from an address of its own (127.0.0.x), so the
//     per-address limit does not stop them: what the scrypt rationing is for;
//   - unknown usernames from one address: the per-address limit answers 429;
//   - wrong passwords for real users, from many addresses: real scrypt work, bounded by
//     the queue and the per-username limit.
// Everything is on loopback, bounded in connections, samples and time.
import { mkdirSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatTable } from "../../client/table.js";
import { hashPassword } from "../../server/auth/credentials.js";
import { seedDatabase } from "../../server/demo/seed.js";
import { openStore } from "../../server/store/open.js";
import { startApp } from "./servers.js";

const { values: opts } = parseArgs({
  options: {
    connections: { type: "string", default: "20" },
    samples: { type: "string", default: "12" },
    seconds: { type: "string", default: "20" },
    dir: { type: "string", default: ".tmp/bench" },
  },
});
const connections = Math.min(100, Number(opts.connections));
const samples = Math.min(50, Number(opts.samples));
const seconds = Math.min(120, Number(opts.seconds));
const root = path.resolve(import.meta.dirname, "../..");
const say = (line: string) => process.stderr.write(`${line}\n`);
const PASSWORD = "bench-password";
// One user per sample and scenario, so every measured sign-in is a full check, not a cache hit.
const scenarios = ["quiet", "unknown users, many addresses", "unknown users, one address", "wrong passwords, many addresses"] as const;
const users = (scenario: number) => Array.from({ length: samples }, (_, i) => `bench-${scenario}-${i}`);
const victims = Array.from({ length: 4 }, (_, i) => `victim-${i}`);

async function prepareDatabase(file: string): Promise<void> {
  rmSync(file, { force: true });
  mkdirSync(path.dirname(file), { recursive: true });
  const store = await openStore(`sqlite:${file}`);
  await seedDatabase(store, 50);
  // One hash for all: the same cost per check, without hashing a hundred times here.
  const passwordHash = await hashPassword(PASSWORD);
  const names = [...scenarios.flatMap((_, s) => users(s)), ...victims];
  await store.insertUsers(names.map((username) => ({ username, passwordHash, roles: ["SystemAdministrator"], accountIds: [] })));
  await store.close();
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

function get(url: URL, authorization: string, localAddress: string, agent?: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: "/customers?countPerPage=1",
        headers: { authorization },
        localAddress,
        agent: agent ?? false,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.end();
  });
}

interface Flood {
  stop: () => Promise<Map<number, number>>;
}

/** `connections` loops, each sending one failing sign-in after another until stopped. */
function flood(url: URL, kind: number, deadline: number): Flood {
  const statuses = new Map<number, number>();
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: connections }, async (_, c) => {
    const address = kind === 2 ? "127.0.0.3" : `127.0.1.${c + 1}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (running && Date.now() < deadline && sent < 50_000) {
      sent++;
      const authorization = kind === 3 ? basic(victims[sent % victims.length]!, `guess-${sent}`) : basic(`ghost-${c}-${sent}`, "guess");
      const status = await get(url, authorization, address, agent);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    agent.destroy();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const file = path.join(root, opts.dir, "login-flood.db");
  say(`preparing ${path.relative(root, file)} ...`);
  await prepareDatabase(file);
  const rows: string[][] = [];
  for (const [s, scenario] of scenarios.entries()) {
    // A fresh server per scenario: no counters or cached successes carried over.
    const server = await startApp("production", file);
    try {
      const url = new URL(server.url);
      const deadline = Date.now() + seconds * 1000;
      const load = s === 0 ? undefined : flood(url, s, deadline);
      if (load) await new Promise((resolve) => setTimeout(resolve, 500)); // let the flood build up
      const times: number[] = [];
      for (const user of users(s)) {
        if (Date.now() > deadline) break;
        const started = performance.now();
        const status = await get(url, basic(user, PASSWORD), "127.0.0.2");
        if (status !== 200) throw new Error(`${scenario}: the real sign-in of ${user} got ${status}`);
        times.push(performance.now() - started);
      }
      const statuses = (await load?.stop()) ?? new Map<number, number>();
      times.sort((a, b) => a - b);
      const count = (status: number) => String(statuses.get(status) ?? 0);
      const other = [...statuses].filter(([status]) => status !== 401 && status !== 429).reduce((n, [, k]) => n + k, 0);
      rows.push([
        scenario,
        String(times.length),
        percentile(times, 50).toFixed(0),
        percentile(times, 95).toFixed(0),
        times.at(-1)!.toFixed(0),
        s === 0 ? "-" : String(connections),
        count(401),
        count(429),
        String(other),
      ]);
      say(`  ${scenario}: p50 ${percentile(times, 50).toFixed(0)} ms`);
    } finally {
      await server.stop();
    }
  }
  rmSync(file, { force: true });
  console.log(
    formatTable(["flood", "sign-ins", "p50 ms", "p95 ms", "max ms", "flood conns", "flood 401", "flood 429", "flood other"], rows),
  );
}

await main();
