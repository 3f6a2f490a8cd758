// The breaking-change gate: each fixture in test/fixtures/spec-diff is base.yaml with one
// change, bundled by Redocly like the CLI does, then classified; and the CLI end to end
// on a throwaway git repository.
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../scripts/generator/redocly.js";
import { diffSpecs } from "../scripts/spec/diff/compare.js";
import type { Change } from "../scripts/spec/diff/paths.js";
import { majorBumped, report } from "../scripts/spec/diff/report.js";
import { typeChangeBreaks } from "../scripts/spec/diff/rules.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const fixtures = path.join(root, "test/fixtures/spec-diff");
const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");

const docs = new Map<string, unknown>();

/** Bundles a few at a time: each bundle is a Redocly process, and CI has two cores. */
async function bundleAll(names: string[], width = 4): Promise<void> {
  const queue = [...names];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        docs.set(name, await bundle(path.join(fixtures, `${name}.yaml`)));
      }
    }),
  );
}

function changesFor(variant: string): Change[] {
  return diffSpecs(docs.get("base"), docs.get(variant));
}

function lines(changes: Change[]): string[] {
  return changes.map((c) => `${c.breaking ? "breaking" : "non-breaking"} ${c.location}: ${c.text}`);
}

beforeAll(async () => {
  const names = (await readdir(fixtures)).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -".yaml".length));
  await bundleAll(names);
});

describe("breaking changes", () => {
  // Fixture -> a line the gate must print as breaking (location: change).
  const cases: [string, string][] = [
    ["removed-operation", "GET /customers/{id}: operation removed"],
    ["removed-parameter", "GET /customers › query parameter nameFilter: parameter removed"],
    ["renamed-parameter", "GET /customers › query parameter nameFilter: parameter removed"],
    ["removed-response-property", "GET /customers › response 200 › application/json › items[]: property isVip removed"],
    ["removed-enum-value-request", 'GET /customers › query parameter sortOrder: enum value "Descend" removed'],
    ["removed-enum-value-response", 'GET /customers › response 200 › application/json › items[].status: enum value "Inactive" removed'],
    ["narrowed-type", 'GET /customers › query parameter countPerPage: type: "number" → "integer"'],
    ["lowered-maximum", "GET /customers › query parameter countPerPage: maximum: 100 → 50"],
    ["lowered-max-length", "GET /customers › query parameter nameFilter: maxLength: 50 → 20"],
    ["raised-minimum", "GET /customers › query parameter countPerPage: minimum: 1 → 5"],
    ["new-required-parameter", "GET /customers › query parameter region: parameter added"],
    ["parameter-made-required", "GET /customers › query parameter accountId: made required"],
    ["request-property-made-required", 'POST /customers › request body application/json: "tier" made required'],
    ["response-property-made-optional", 'GET /customers › response 200 › application/json › items[]: "name" made optional'],
    ["added-enum-value-response", 'GET /customers › response 200 › application/json › items[].status: enum value "Suspended" added'],
    ["widened-type-response", 'GET /customers › response 200 › application/json › items[].name: type: "string" → ["string","null"]'],
    ["removed-response", "GET /customers › response 400: response removed"],
    ["removed-content-type", "GET /customers › response 200 › text/csv: content type removed"],
  ];

  it.each(cases)("%s", (variant, expected) => {
    expect(lines(changesFor(variant))).toContain(`breaking ${expected}`);
  });

  it("reports a response schema change at every operation that uses it", () => {
    const removed = changesFor("removed-response-property").filter((c) => c.breaking);
    expect(removed.map((c) => c.location.split(" › ")[0])).toEqual(["GET /customers", "GET /customers/{id}", "POST /customers"]);
  });

  it("says which rule, not the tool, decided a supplementary case", () => {
    const [change] = changesFor("narrowed-type");
    expect(change?.rule).toMatch(/request type that accepts less/);
    expect(change?.pointer).toBe("#/paths/~1customers/get/parameters/1/schema/type");
  });
});

describe("non-breaking changes", () => {
  const cases: [string, string][] = [
    ["added-optional-parameter", "GET /customers › query parameter tagId: parameter added"],
    ["added-response-property", "GET /customers › response 200 › application/json › items[]: property email added"],
    ["raised-maximum", "GET /customers › query parameter countPerPage: maximum: 100 → 200"],
    ["description-change", 'GET /customers: description: "Lists customers." → "Lists the customers the caller may see."'],
    ["added-enum-value-request", 'GET /customers › query parameter sortOrder: enum value "None" added'],
    ["request-property-made-optional", 'POST /customers › request body application/json: "email" made optional'],
    ["response-property-made-required", 'GET /customers › response 200 › application/json › items[]: "isVip" made required'],
    ["narrowed-type-response", 'GET /customers › response 200 › application/json › items[].isVip: type: ["boolean","null"] → "boolean"'],
    ["added-operation", "DELETE /customers/{id}: operation added"],
  ];

  it.each(cases)("%s", (variant, expected) => {
    const changes = changesFor(variant);
    expect(lines(changes)).toContain(`non-breaking ${expected}`);
    expect(changes.filter((c) => c.breaking)).toEqual([]);
  });

  it("finds nothing between a document and itself", () => {
    expect(changesFor("base")).toEqual([]);
  });
});

describe("type changes by side (OpenAPI 3.1 type arrays)", () => {
  it.each([
    ["request", "number", "integer", true],
    ["request", "integer", "number", false],
    ["request", ["string", "null"], "string", true],
    ["request", "string", ["string", "null"], false],
    ["request", undefined, "string", true],
    ["response", "string", ["string", "null"], true],
    ["response", ["boolean", "null"], "boolean", false],
    ["response", ["boolean", "null"], ["null", "boolean"], false],
    ["response", "integer", "number", true],
    ["response", "string", undefined, true],
    ["response", "string", "integer", true],
  ] as const)("%s %j -> %j breaking: %s", (side, before, after, breaks) => {
    expect(typeChangeBreaks(side, before, after)).toBe(breaks);
  });
});

describe("acknowledgement and exit code", () => {
  const v = (version: string) => ({ info: { version } });
  const breaking: Change = { breaking: true, location: "GET /x", text: "operation removed", pointer: "#/paths/~1x/get" };

  it("accepts breaking changes only when the MAJOR number went up", () => {
    expect(majorBumped(v("1.4.2"), v("2.0.0"))).toBe(true);
    expect(majorBumped(v("1.4.2"), v("1.5.0"))).toBe(false);
    expect(majorBumped(v("2.0.0"), v("1.9.0"))).toBe(false);
    expect(majorBumped(v("1.0.0"), v("next"))).toBe(false);
  });

  it("exits 1 on an unacknowledged breaking change and 0 with a note otherwise", () => {
    expect(report([breaking], false, ["1.0.0", "1.1.0"]).exitCode).toBe(1);
    const accepted = report([breaking], true, ["1.0.0", "2.0.0"]);
    expect(accepted.exitCode).toBe(0);
    expect(accepted.text).toContain("GET /x: operation removed");
    expect(accepted.text).toMatch(/Accepted: .*1\.0\.0 → 2\.0\.0/);
    expect(report([{ ...breaking, breaking: false }], false, ["1.0.0", "1.0.0"]).exitCode).toBe(0);
  });
});

describe("npm run spec:diff on a git repository", () => {
  let repo: string;
  const spec = () => path.join(repo, "openapi/openapi.yaml");

  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    try {
      const { stdout } = await run(process.execPath, [tsx, path.join(root, "scripts/spec/spec-diff.ts"), ...args], { cwd: repo });
      return { code: 0, stdout };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout + e.stderr };
    }
  }

  beforeAll(async () => {
    repo = await mkdtemp(path.join(tmpdir(), "spec-diff-repo-"));
    await mkdir(path.join(repo, "openapi"));
    await writeFile(spec(), await readFile(path.join(fixtures, "base.yaml")));
    const git = (...args: string[]) => run("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo });
    await git("init", "-q", "-b", "main");
    await git("add", ".");
    await git("commit", "-q", "-m", "base");
  });

  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it("exits 0 with no change, against the default base", async () => {
    const result = await cli([]);
    expect(result.stdout).toContain("No changes to the API.");
    expect(result.code).toBe(0);
  });

  it("exits 1 on a breaking change, listing it, and 0 once the major version is bumped", async () => {
    await writeFile(spec(), await readFile(path.join(fixtures, "removed-parameter.yaml")));
    const broken = await cli(["--base", "HEAD", "--spec", "openapi/openapi.yaml"]);
    expect(broken.stdout).toContain("✗ GET /customers › query parameter nameFilter: parameter removed");
    expect(broken.stdout).toContain("#/paths/~1customers/get/parameters/0");
    expect(broken.code).toBe(1);

    const text = await readFile(spec(), "utf8");
    await writeFile(spec(), text.replace("version: 1.0.0", "version: 2.0.0"));
    const accepted = await cli(["--base", "HEAD"]);
    expect(accepted.stdout).toContain("✗ GET /customers › query parameter nameFilter: parameter removed");
    expect(accepted.stdout).toContain("Accepted: info.version's major number went up (1.0.0 → 2.0.0)");
    expect(accepted.code).toBe(0);
  });

  it("exits 2 on a base that names no commit, even with a breaking change in the working copy", async () => {
    await writeFile(spec(), await readFile(path.join(fixtures, "removed-parameter.yaml")));
    const result = await cli(["--base", "nosuchref"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("--base nosuchref: no such commit, branch or tag");
    expect(result.stdout).not.toContain("nothing breaks");
  });

  it("exits 2 with usage on an unknown option", async () => {
    const result = await cli(["--bsae", "HEAD"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("Usage: npm run spec:diff");
    expect(result.stdout).not.toMatch(/\n\s+at /);
  });
});
