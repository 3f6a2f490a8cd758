// The production process as a supervisor sees it: SIGTERM to a real `npm start` (npm, its
// shell, node, and with WEB_CONCURRENCY=2 a cluster) while an all=true stream is in
// flight. The stream must finish as valid JSON, the process exit 0 within 10 s, the port
// be free, and the database closed (SQLite removes the WAL file when its last connection
// closes cleanly).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ListCustomersResponse } from "../generated/schema.js";
import { DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { type RunningProcess, runProcess } from "../scripts/start-process.js";
import { basic } from "./support/http.js";

const root = path.resolve(import.meta.dirname, "..");
// Enough bytes (about 1.4 KB a customer) that the response outlasts the kernel's socket
// buffers while the client holds off reading: the server is mid-stream when signalled.
const CUSTOMERS = 20_000;

let dir: string;
const groups: number[] = [];
afterEach(() => {
  // A regression leaves an orphan holding its port: end the whole group this test started.
  for (const group of groups.splice(0)) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone: the normal case.
    }
  }
});
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "process-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Started extends RunningProcess {
  port: number;
}

async function npmStart(env: Record<string, string>): Promise<Started> {
  // Its own process group, so that a failed run can be cleaned up whole (see afterEach);
  // the signal under test still goes to npm alone, as a supervisor sends it.
  const started = runProcess("npm", ["start"], { cwd: root, env: { ...process.env, ...env }, detached: true });
  groups.push(started.child.pid!);
  const [, port] = await started.waitFor(/Customers API {2}http:\/\/127\.0\.0\.1:(\d+)\/customers/, 120_000);
  return { ...started, port: Number(port) };
}

/** The response, paused after its first chunk so that the rest is still to be sent. */
function startStream(port: number): Promise<{ res: http.IncomingMessage; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: "/customers?all=true", headers: { authorization: basic("sysadmin", DEMO_PASSWORD) } },
      (res) => {
        res.once("data", (first: Buffer) => {
          res.pause();
          resolve({ res, first });
        });
      },
    );
    req.on("error", reject);
  });
}

function readRest(res: http.IncomingMessage, first: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks = [first];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    res.resume();
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe.each([1, 2])("npm start with WEB_CONCURRENCY=%i", (workers) => {
  it("drains an all=true stream on SIGTERM, closes the database and frees the port within 10 s", async () => {
    const database = path.join(dir, `customers-${workers}.db`);
    const started = await npmStart({
      DATABASE_URL: `sqlite:${database}`,
      PORT: "0",
      HOST: "127.0.0.1",
      DEMO_CUSTOMERS: String(CUSTOMERS),
      WEB_CONCURRENCY: String(workers),
      LOG_LEVEL: "info",
    });
    const { res, first } = await startStream(started.port);
    expect(res.statusCode).toBe(200);

    const signalled = performance.now();
    started.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Draining: the stream holds the process, and nobody new gets in.
    expect(started.child.exitCode, started.output()).toBeNull();
    expect(await connects(started.port)).toBe(false);

    const body = JSON.parse(await readRest(res, first)) as ListCustomersResponse;
    expect(body.items).toHaveLength(CUSTOMERS);
    expect(body.totalCount).toBe(CUSTOMERS);

    const exit = await started.exited;
    expect({ code: exit.code, signal: exit.signal }, started.output()).toEqual({ code: 0, signal: null });
    expect(exit.at - signalled).toBeLessThan(10_000);
    expect(await portIsFree(started.port)).toBe(true);
    expect(existsSync(`${database}-wal`)).toBe(false);
    expect(started.output()).toContain('"msg":"stopped"');
  }, 180_000);
});
