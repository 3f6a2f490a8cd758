// Keeps `npm run bench` working: a tiny run (300 customers, 30 requests per measurement,
// so its length does not depend on the machine) must finish and report every section. Its figures mean nothing and are not checked: benchmarks are
// read by people from BENCHMARKS.md, never asserted.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");

it("npm run bench -- --smoke reports every section", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/bench/bench.ts", "--smoke"], { cwd: root, timeout: 240_000 });
  for (const server of [
    "(a) bare node:http",
    "(a2) generated router",
    "(b) Express app, validation off",
    "(c) our server as shipped",
    "(c1) compiled",
    "(cN) compiled, WEB_CONCURRENCY=",
    "(e) Fastify peer",
    "(d) Prism mock",
  ]) {
    expect(stdout).toContain(server);
  }
  for (const section of ["### Targets", "### Every filter", "### simplifiedPaging against full paging", "### all=true, streamed"]) {
    expect(stdout).toContain(section);
  }
  // Every scenario answered without errors: the last column of each filter row is 0.
  const filterRows = stdout
    .split("### Every filter")[1]!
    .split("###")[0]!
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| scenario") && !l.startsWith("| ---"));
  expect(filterRows.length).toBeGreaterThan(10);
  for (const row of filterRows) expect(row.trim().endsWith("| 0 |"), row).toBe(true);
}, 300_000);
