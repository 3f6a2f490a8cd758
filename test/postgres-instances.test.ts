// Issue 10: several server processes on one PostgreSQL database, and the faults a real
// deployment meets: an unreachable database at start, and one that goes away while
// serving. The servers run as `npm start` runs them, each its own process.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { pino } from "pino";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { seedDatabase } from "../server/demo/seed.js";
import { createApp } from "../server/http/app.js";
import { openStore } from "../server/store/open.js";
import { basic, listen } from "./support/http.js";
import { runTs, startServer, stop } from "./support/processes.js";
import { type TestDatabase, testDatabase } from "./support/test-server.js";

/** A password that appears nowhere else, so a log line that leaks it is caught. */
const PASSWORD = `pw-${randomBytes(6).toString("hex")}`;
let database: TestDatabase;
let url: string;
let role: string;

beforeAll(async () => {
  database = await testDatabase("postgres", "instances");
  // A role of its own that owns the database: the URL the servers get carries PASSWORD.
  role = `app_${randomBytes(4).toString("hex")}`;
  const admin = postgres(inject("postgresUrl"), { max: 1, onnotice: () => {} });
  const name = new URL(database.url).pathname.slice(1);
  await admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.unsafe(`ALTER DATABASE ${name} OWNER TO ${role}`);
  await admin.end();
  const u = new URL(database.url);
  u.username = role;
  u.password = PASSWORD;
  url = u.href;
});

afterAll(async () => {
  await database?.drop();
  const admin = postgres(inject("postgresUrl"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
});

const as = (who: string) => ({ authorization: basic(who, DEMO_PASSWORD) });

describe("two instances on one database", () => {
  it("start together on an empty database, answer identically, and share API keys; no log shows the password", async () => {
    // Both migrate and find the database empty at the same moment: one seeds, the other waits for it.
    const [a, b] = await Promise.all([startServer(url, { DEMO_CUSTOMERS: "300" }), startServer(url, { DEMO_CUSTOMERS: "300" })]);
    try {
      for (const path of [
        "/customers?countPerPage=7&page=3",
        "/customers?nameFilter=DENTAL&sortField=dateCreated&sortOrder=Descend",
        "/customers?tagIds=tag_1f7yfsk&simplifiedPaging=true",
        "/customers.csv?all=true",
      ]) {
        for (const who of ["sysadmin", "manager", "customer"]) {
          const [ra, rb] = await Promise.all([a, b].map((s) => fetch(s.baseUrl + path, { headers: as(who) })));
          expect(ra!.status, `${who} ${path}`).toBe(200);
          expect(rb!.status).toBe(200);
          expect(await ra!.text()).toBe(await rb!.text());
        }
      }
      const first = (await (await fetch(`${a.baseUrl}/customers`, { headers: as("sysadmin") })).json()) as { totalCount: number };
      expect(first.totalCount).toBe(300);

      // A key created while both run (by the CLI, on the shared database) works on each.
      const created = runTs("server/cli/api-key.ts", ["manager", "shared key"], { DATABASE_URL: url });
      const exit = await created.exited;
      expect(exit.code, exit.output).toBe(0);
      const token = exit.output.match(/^(evo_\S+)$/m)?.[1];
      expect(token).toBeDefined();
      for (const s of [a, b]) {
        const r = await fetch(`${s.baseUrl}/customers?countPerPage=1`, { headers: { authorization: `Bearer ${token}` } });
        expect(r.status).toBe(200);
      }
      expect(a.output() + b.output() + exit.output).not.toContain(PASSWORD);
      // Exactly one of them seeded.
      expect([a, b].filter((s) => s.output().includes("demo data seeded"))).toHaveLength(1);
    } finally {
      await Promise.all([stop(a), stop(b)]);
    }
  });
});

describe("bad configuration at start", () => {
  it.each([
    ["an unknown engine", { DATABASE_URL: `mysql://${"app"}:${PASSWORD}@127.0.0.1/x` }, /DATABASE_URL must be sqlite:PATH or postgres/],
    ["a pool size that is not a number", { PG_POOL_SIZE: "many" }, /PG_POOL_SIZE must be an integer/],
  ])("%s is one line, exit code 1, no stack and no password", async (_, env, message) => {
    const start = runTs("server/main.ts", [], { DATABASE_URL: url, PORT: "0", ...env });
    const exit = await start.exited;
    expect(exit.code).toBe(1);
    expect(exit.output.trim().split("\n"), exit.output).toHaveLength(1);
    expect(exit.output).toMatch(message);
    expect(exit.output).not.toContain(PASSWORD);
  });
});

describe("an unreachable database at start", () => {
  it("is one log line naming host and port, exit code 1, no stack and no password", async () => {
    const start = runTs("server/main.ts", [], { DATABASE_URL: `postgres://${role}:${PASSWORD}@127.0.0.1:1/customers`, PORT: "0" });
    const exit = await start.exited;
    expect(exit.code).toBe(1);
    const lines = exit.output.trim().split("\n");
    expect(lines, exit.output).toHaveLength(1);
    expect(lines[0]).toMatch(/unavailable.*127\.0\.0\.1:1\/customers|127\.0\.0\.1:1\/customers.*unavailable/);
    expect(exit.output).not.toContain(PASSWORD);
    expect(exit.output).not.toMatch(/\n\s+at /);
  });
});

/** A TCP hop to the database that can drop every connection and refuse new ones, then come back. */
async function tcpProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listenOn = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  await listenOn(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    down: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    up: () => listenOn(port),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the database going away while serving", () => {
  it("answers 503 in the error shape, then recovers by itself when it returns", async () => {
    const target = new URL(database.url);
    const proxy = await tcpProxy(target);
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    const store = await openStore(viaProxy.href);
    if ((await store.seedState()) === "empty") await seedDatabase(store, 50);
    const server = await listen(createApp({ store, logger: pino({ level: "silent" }) }));
    const list = () => fetch(`${server.baseUrl}/customers?countPerPage=2`, { headers: as("sysadmin") });
    try {
      expect((await list()).status).toBe(200);
      await proxy.down();
      const gone = await list();
      expect(gone.status).toBe(503);
      const body = (await gone.json()) as { responseStatus: { errorCode: string; message: string; errors: unknown[] } };
      expect(body.responseStatus).toMatchObject({ errorCode: "ServiceUnavailable", message: "Service Unavailable", errors: [] });
      expect(gone.headers.get("retry-after")).toBe("1");
      expect(JSON.stringify(body)).not.toContain(PASSWORD);
      await proxy.up();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await list()).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      await server.close();
      await store.close();
      await proxy.close().catch(() => {});
    }
  });
});
