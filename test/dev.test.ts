// npm run dev end to end, on a copy of the project so the real spec is never touched: a
// spec save regenerates and restarts the server; a broken spec is reported with file:line
// and leaves the last good generated/ and the old server answering; saves by rename and
// files replaced by git are seen as often as they happen.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic } from "./support/http.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const copied = ["openapi", "scripts", "server", "generated", "client", "package.json", "tsconfig.json", "redocly.yaml"];
const customerInfo = "openapi/schemas/CustomerInfo.yaml";
// One generation plus one server start, with room for a loaded two-core CI machine.
const stepTimeoutMs = 90_000;

let dir: string;
let dev: ChildProcess | undefined;
let output = "";
let initialGenerated: Map<string, string>;

/** Inside the repository (.tmp/ is ignored), so the copy's node_modules link resolves like the original. */
async function copyProject(): Promise<string> {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  const copy = await mkdtemp(path.join(root, ".tmp", "dev-test-"));
  await Promise.all(copied.map((entry) => cp(path.join(root, entry), path.join(copy, entry), { recursive: true })));
  // The generator finds the Redocly CLI at scripts/../node_modules.
  await symlink(path.join(root, "node_modules"), path.join(copy, "node_modules"), "dir");
  // Its own repository, so that `git checkout openapi/` can put the spec back as a user would.
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=dev test", "-c", "user.email=dev@test", ...args], { cwd: copy });
  git("init", "-q");
  git("add", "openapi");
  git("commit", "-q", "-m", "spec as copied");
  return copy;
}

function startDev(): ChildProcess {
  const env = {
    ...process.env,
    // Port 0: each server gets a free port from the kernel and logs it, so parallel test
    // files never race for one picked in advance.
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: "sqlite::memory:",
    DEMO_CUSTOMERS: "50",
    LOG_LEVEL: "info",
  };
  // Its own process group, so cleanup can reach the server children even if dev hangs.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts"], {
    cwd: dir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return child;
}

function tail(): string {
  return output.slice(-4000);
}

/** Waits until dev's output after `from` matches; fails fast if dev exits. */
async function waitForOutput(pattern: RegExp, from: number, timeoutMs = stepTimeoutMs): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = output.slice(from).match(pattern);
    if (match) return match;
    if (dev?.exitCode !== null) throw new Error(`dev exited (${dev?.exitCode}) before printing ${pattern}:\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * dev says "serving" once the server's first line that it listens is out (its banner,
 * written at once); pino's own "listening" line, which carries pid and URL, may follow.
 */
async function waitForServing(from: number): Promise<RegExpMatchArray> {
  const serving = await waitForOutput(/\[dev\] serving in (\d+) ms/, from);
  await waitForOutput(/"msg":"listening"/, from);
  return serving;
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not exit within ${timeoutMs} ms:\n${tail()}`)), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The pid of every server that logged "listening", in order: a new pid is a restart. */
function serverPids(): number[] {
  return [...output.matchAll(/"pid":(\d+)[^\n]*"msg":"listening"/g)].map((match) => Number(match[1]));
}

/** The URL the newest server logged; every restart gets a port of its own. */
function baseUrl(): string {
  const urls = [...output.matchAll(/"url":"([^"]+)"[^\n]*"msg":"listening"/g)];
  if (urls.length === 0) throw new Error(`no server has logged "listening" yet:\n${tail()}`);
  return urls.at(-1)![1]!;
}

function get(pathname: string): Promise<Response> {
  return fetch(`${baseUrl()}${pathname}`, {
    headers: { authorization: basic("sysadmin", "demo") },
    signal: AbortSignal.timeout(10_000),
  });
}

async function editSpec(edit: (yaml: string) => string): Promise<void> {
  const file = path.join(dir, customerInfo);
  await writeFile(file, edit(await readFile(file, "utf8")));
}

/** As vim, sed -i and most IDEs save: a new file written beside the old one, renamed over it. */
async function renameSaveSpec(edit: (yaml: string) => string): Promise<void> {
  const file = path.join(dir, customerInfo);
  const temporary = `${file}.tmp-save`;
  await writeFile(temporary, edit(await readFile(file, "utf8")));
  await rename(temporary, file);
}

async function servedProperties(): Promise<string[]> {
  const served = await get("/openapi.json");
  expect(served.status).toBe(200);
  return Object.keys((await served.json()).components.schemas.CustomerInfo.properties);
}

async function generatedFiles(): Promise<Map<string, string>> {
  // Recursive: the runtime sits in generated/runtime/.
  const entries = await readdir(path.join(dir, "generated"), { recursive: true, withFileTypes: true });
  const names = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(path.join(dir, "generated"), path.join(e.parentPath, e.name)))
    .sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(path.join(dir, "generated", name), "utf8")] as const)));
}

function servingMs(match: RegExpMatchArray): number {
  return Number(match[1]);
}

/** A broken save must leave both generated/ and the running server exactly as they were. */
async function expectLastGoodKept(before: Map<string, string>, pidsBefore: number[]): Promise<void> {
  expect(await generatedFiles()).toEqual(before);
  const response = await get("/customers?countPerPage=2");
  expect(response.status).toBe(200);
  expect(((await response.json()) as { items: unknown[] }).items).toHaveLength(2);
  expect(serverPids()).toEqual(pidsBefore);
}

describe("npm run dev", () => {
  beforeAll(async () => {
    dir = await copyProject();
    initialGenerated = await generatedFiles();
    dev = startDev();
    await waitForServing(0);
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null && dev.pid) {
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves GET /customers once started", async () => {
    const response = await get("/customers?countPerPage=1");
    expect(response.status).toBe(200);
    expect(serverPids()).toHaveLength(1);
  });

  it("regenerates on a spec save and restarts the server with the new field", async () => {
    const mark = output.length;
    await editSpec((yaml) =>
      yaml.replace(
        "  lastModifiedBy:\n",
        "  region:\n    type: string\n    description: The region this customer is served from\n  lastModifiedBy:\n",
      ),
    );
    const serving = await waitForServing(mark);
    console.log(`spec save -> serving in ${servingMs(serving)} ms`);

    expect(await readFile(path.join(dir, "generated/schema.d.ts"), "utf8")).toMatch(/region\?: string/);
    const bundled = JSON.parse(await readFile(path.join(dir, "generated/openapi.json"), "utf8"));
    expect(bundled.components.schemas.CustomerInfo.properties.region).toMatchObject({ type: "string" });
    // The restart is what makes the server load the new generated code.
    const pids = serverPids();
    expect(pids).toHaveLength(2);
    expect(pids[1]).not.toBe(pids[0]);
    const served = await get("/openapi.json");
    expect(served.status).toBe(200);
    expect((await served.json()).components.schemas.CustomerInfo.properties.region).toMatchObject({ type: "string" });
    expect((await get("/customers?countPerPage=1")).status).toBe(200);
  });

  it("reports invalid YAML with file:line and keeps the last good output and server", async () => {
    const before = await generatedFiles();
    const pids = serverPids();
    const mark = output.length;
    await editSpec((yaml) => `${yaml}region: [unclosed\n`);
    await waitForOutput(/the spec is broken/, mark);
    expect(output.slice(mark)).toMatch(/openapi\/schemas\/CustomerInfo\.yaml:\d+:\d+/);
    await expectLastGoodKept(before, pids);
  });

  it("reports a lint error (enum of the wrong type) at its line and keeps the last good output and server", async () => {
    const before = await generatedFiles();
    const pids = serverPids();
    const mark = output.length;
    await editSpec((yaml) =>
      yaml.replace("region: [unclosed\n", "").replace("  region:\n    type: string\n", "  region:\n    type: string\n    enum: [1, 2]\n"),
    );
    await waitForOutput(/the spec is broken/, mark);
    const yaml = await readFile(path.join(dir, customerInfo), "utf8");
    const enumLine = yaml.split("\n").indexOf("    enum: [1, 2]") + 1;
    expect(output.slice(mark)).toContain(`${customerInfo}:${enumLine}:`);
    expect(output.slice(mark)).toMatch(/no-enum-type-mismatch/);
    await expectLastGoodKept(before, pids);
  });

  it("takes the fixed spec back without a restart: generated/ already matches it", async () => {
    const pids = serverPids();
    const mark = output.length;
    await editSpec((yaml) => yaml.replace("    enum: [1, 2]\n", ""));
    await waitForOutput(/\[dev\] generated in \d+ ms: generated\/ already up to date/, mark);
    expect(serverPids()).toEqual(pids);
  });

  it("restarts the server, without generating, on a server/ save", async () => {
    const mark = output.length;
    const file = path.join(dir, "server/config.ts");
    await writeFile(file, `${await readFile(file, "utf8")}\n// touched by test/dev.test.ts\n`);
    const serving = await waitForServing(mark);
    console.log(`server save -> serving in ${servingMs(serving)} ms`);
    // Nor does the new server regenerate: dev left generated/ marked up to date.
    expect(output.slice(mark)).not.toMatch(/\[dev\] generated|the spec is broken|regenerated from openapi/);
    expect(new Set(serverPids()).size).toBe(3);
    expect((await get("/customers?countPerPage=1")).status).toBe(200);
  });

  it("shows a server that crashes on start and retries on the next save", async () => {
    const file = path.join(dir, "server/config.ts");
    const good = await readFile(file, "utf8");
    let mark = output.length;
    await writeFile(file, `${good}\nthrow new Error("config exploded on purpose");\n`);
    await waitForOutput(/the server did not start/, mark);
    expect(output.slice(mark)).toContain("config exploded on purpose");

    mark = output.length;
    await writeFile(file, good);
    await waitForServing(mark);
    expect((await get("/customers?countPerPage=1")).status).toBe(200);
  });

  it("sees every save by rename, not only the first", async () => {
    for (const name of ["renamedOnce", "renamedTwice"]) {
      const mark = output.length;
      await renameSaveSpec((yaml) =>
        yaml.replace("  lastModifiedBy:\n", `  ${name}:\n    type: string\n    description: Added by a rename-save\n  lastModifiedBy:\n`),
      );
      await waitForServing(mark);
      expect(await servedProperties()).toContain(name);
    }
  });

  it("follows git checkout back to the committed spec", async () => {
    const mark = output.length;
    execFileSync("git", ["checkout", "--", "openapi/"], { cwd: dir });
    await waitForServing(mark);
    expect(await generatedFiles()).toEqual(initialGenerated);
    const properties = await servedProperties();
    for (const added of ["region", "renamedOnce", "renamedTwice"]) expect(properties).not.toContain(added);
  });

  it("stops the server and exits 0 on SIGTERM", async () => {
    dev!.kill("SIGTERM");
    expect(await exited(dev!, 20_000)).toBe(0);
    await expect(get("/customers")).rejects.toThrow();
  });
});
