// Keeps `npm run bench` working: a tiny run (300 customers, 30 requests per measurement,
// so its length does not depend on the machine) must finish and report every section. Its figures mean nothing and are not checked: benchmarks are
// read by people from BENCHMARKS.md, never asserted.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, inject, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");

it("npm run bench -- --smoke reports every section", async () => {
  // The PostgreSQL section runs on the test cluster (vitest global setup), not a cluster of its own.
  const env = { ...process.env, BENCH_DATABASE_URL: inject("postgresUrl") };
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/bench/bench.ts", "--smoke"], {
    cwd: root,
    env,
    timeout: 240_000,
  });
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
  // Each target ratio between two servers is reported with its interval from the A B B A
  // pairs, and how many; the non-inferiority test against Fastify takes twice as many.
  const pairs = (target: string) => {
    const row = stdout.split("\n").find((line) => line.startsWith("| ") && line.includes(`: ${target}`));
    return Number(row?.match(/\| \d+\.\d\d \(\d+\.\d\d to \d+\.\d\d\), (\d+) pairs \|/)?.[1]);
  };
  for (const target of ["(c)/(b)", "(c)/(a)", "(c)/(d)", "(cN)/(c1)", "(c1)/(c)"]) expect(pairs(target), target).toBe(2);
  expect(pairs("(c)/(e)")).toBe(4);
  for (const section of [
    "### Targets",
    "### Every filter",
    "### simplifiedPaging against full paging",
    "### all=true, streamed",
    "### PostgreSQL beside SQLite",
    "### PostgreSQL: all=true",
  ]) {
    expect(stdout).toContain(section);
  }
  // Every scenario answered without errors: the last column of each filter row is 0.
  for (const [heading, rows] of [
    ["### Every filter", 10],
    ["### PostgreSQL beside SQLite", 3], // a smoke run measures four scenarios on PostgreSQL
  ] as const) {
    const filterRows = stdout
      .split(heading)[1]!
      .split("###")[0]!
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| scenario") && !l.startsWith("| ---"));
    expect(filterRows.length).toBeGreaterThan(rows);
    for (const row of filterRows) expect(row.trim().endsWith("| 0 |"), row).toBe(true);
  }
}, 300_000);
