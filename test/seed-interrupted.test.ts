// Issue 13, item 1: a seed killed half way must not leave a database that passes for a
// ready one. The seed runs as the user runs it and is killed with SIGKILL mid-load.
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { RESET_COMMAND } from "../server/demo/seed.js";
import { openStore } from "../server/store/open.js";
import { basic } from "./support/http.js";
import { runTs, startServer, stop } from "./support/processes.js";
import { ENGINES, testDatabase, type TestDatabase } from "./support/test-server.js";

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

describe.each(ENGINES)("a seed killed half way on %s", (engine) => {
  it("is reported by the next start in one line with the repair, and the repair works", async () => {
    const database = await testDatabase(engine, "seed-killed");
    databases.push(database);
    const seed = runTs("server/cli/seed.ts", ["--customers", "200000", "--batch-size", "1000"], { DATABASE_URL: database.url });
    // The first progress line comes after the first batch is in: the load is under way.
    await seed.waitFor(/"done":\d+/);
    seed.child.kill("SIGKILL");
    expect((await seed.exited).signal).toBe("SIGKILL");

    const store = await openStore(database.url);
    try {
      expect(await store.seedState()).toBe("incomplete");
    } finally {
      await store.close();
    }

    const start = runTs("server/main.ts", [], { DATABASE_URL: database.url, PORT: "0" });
    const exit = await start.exited;
    expect(exit.code).not.toBe(0);
    const lines = exit.output.trim().split("\n");
    expect(lines, exit.output).toHaveLength(1);
    expect(lines[0]).toContain(RESET_COMMAND);
    expect(lines[0]).toContain("never finished");
    expect(exit.output).not.toMatch(/\n\s+at /); // no stack

    const again = runTs("server/cli/seed.ts", ["--customers", "300"], { DATABASE_URL: database.url });
    expect((await again.exited).code, "a second seed without --reset is refused").not.toBe(0);
    expect(again.output()).toContain(RESET_COMMAND);

    const repaired = runTs("server/cli/seed.ts", ["--customers", "300", "--reset"], { DATABASE_URL: database.url });
    const repairedExit = await repaired.exited;
    expect(repairedExit.code, repairedExit.output).toBe(0);

    const server = await startServer(database.url);
    try {
      const response = await fetch(`${server.baseUrl}/customers?countPerPage=1`, {
        headers: { authorization: basic("sysadmin", DEMO_PASSWORD) },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { totalCount: number }).totalCount).toBe(300);
    } finally {
      await stop(server);
    }
  });
});
