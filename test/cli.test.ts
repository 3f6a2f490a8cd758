// The command-line tools as a user meets them: usage on --help, usage and exit 2 on an
// unknown option (no stack trace), and a spec that is not YAML reported as one
// `file:line:col` line by both `npm run generate` and `npm run lint:spec`, without
// Redocly's code frames, knock-on $ref errors, --force hint or Node-version banner.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { yamlErrors } from "../scripts/spec/problems.js";

const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function tool(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsx, script, ...args], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Nothing of Redocly's stylish output may leak through our wrappers. */
function expectNoRedoclyNoise(text: string): void {
  expect(text).not.toMatch(/[║╔╚]|Node\.js 20/); // the end-of-life box
  expect(text).not.toMatch(/^\s*\d+ \|/m); // a code frame
  expect(text).not.toContain("Can't resolve $ref");
  expect(text).not.toContain("--force");
  expect(text).not.toMatch(/\n\s+at /); // a stack trace
}

describe("npm run example", () => {
  it("prints usage on --help and exits 0", async () => {
    const ran = await tool("client/example.ts", ["--help"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("Usage: npm run example -- [options]");
    expect(ran.stdout).toContain("--base-url URL");
  });

  it("prints the unknown option and usage, and exits 2", async () => {
    const ran = await tool("client/example.ts", ["--bogus"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("'--bogus'");
    expect(ran.stderr).toContain("Usage: npm run example");
    expectNoRedoclyNoise(ran.stderr);
  });
});

describe("npm run generate", () => {
  it("prints the unknown option and usage, and exits 2", async () => {
    const ran = await tool("scripts/generate.ts", ["--bogus"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("'--bogus'");
    expect(ran.stderr).toContain("Usage: npm run generate");
    expectNoRedoclyNoise(ran.stderr);
  });
});

describe("a spec that is not valid YAML", () => {
  let dir: string;
  let broken: string;
  let spec: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "cli-test-"));
    await cp(path.join(root, "openapi"), path.join(dir, "openapi"), { recursive: true });
    spec = path.join(dir, "openapi/openapi.yaml");
    broken = path.join(dir, "openapi/schemas/CustomerInfo.yaml");
    await writeFile(broken, `${await readFile(broken, "utf8")}region: [unclosed\n`);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const oneLine = /^\S*openapi\/schemas\/CustomerInfo\.yaml:\d+:\d+: error yaml: .+$/;

  it("is one file:line:col line from npm run lint:spec, exit 1", async () => {
    const ran = await tool("scripts/spec/lint.ts", [spec]);
    expect(ran.code).toBe(1);
    const lines = ran.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(oneLine);
    expect(ran.stdout).toContain("1 error, 0 warnings");
    expectNoRedoclyNoise(ran.stdout + ran.stderr);
  });

  it("is the same one line from npm run generate, which writes nothing", async () => {
    const out = path.join(dir, "out");
    const ran = await tool("scripts/generate.ts", ["--spec", spec, "--out", out]);
    expect(ran.code).toBe(1);
    const lines = ran.stderr.trim().split("\n");
    expect(lines[0]).toMatch(oneLine);
    expect(lines.slice(1)).toEqual([`The spec is broken; ${out}/ was left as it was.`]);
    expectNoRedoclyNoise(ran.stdout + ran.stderr);
  });
});

describe("npm run lint:spec on the project's spec", () => {
  it("finds zero problems and prints no banner", async () => {
    const ran = await tool("scripts/spec/lint.ts", []);
    expect(ran.stderr).toBe("");
    expect(ran.stdout).toMatch(/^openapi\/openapi\.yaml: 0 errors, 0 warnings \(\d+ ms\)\n$/);
    expect(ran.code).toBe(0);
  });
});

describe("npm run seed on a database that has data", () => {
  it("names the command that starts again, and that command works", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cli-seed-"));
    try {
      const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(dir, "customers.db")}` };
      expect((await tool("server/cli/seed.ts", ["--customers", "20"], env)).code).toBe(0);
      const again = await tool("server/cli/seed.ts", ["--customers", "20"], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("npm run seed -- --reset");
      const reset = await tool("server/cli/seed.ts", ["--reset", "--customers", "30"], env);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain("Seeded 30 customers");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("yamlErrors", () => {
  it("keeps each parse failure once, whether quoted by the parser or by a $ref to the file", () => {
    const quoted = `deficient indentation in "${path.join(root, "openapi/x.yaml")}" (3:1)`;
    const text = [`Failed to parse: ${quoted}`, "209 | a: b", `Can't resolve $ref: ${quoted}`, `Failed to parse: ${quoted}`].join("\n");
    expect(yamlErrors(text)).toEqual(["openapi/x.yaml:3:1: error yaml: deficient indentation"]);
    expect(yamlErrors("no-enum-type-mismatch: something else")).toEqual([]);
  });
});
