// Prism as a child process for the contract tests: a mock of the spec, or a proxy in
// front of the real server that validates every request and response against it.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const prismBin = path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js");
const spec = path.join(root, "generated/openapi.json");

export interface PrismProcess {
  baseUrl: string;
  /** Everything Prism logged, for failure messages. */
  output: () => string;
  close: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function start(args: string[]): Promise<PrismProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [prismBin, ...args, "--port", String(port), "--host", "127.0.0.1"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start in 60 s:\n${log}`)), 60_000);
    const check = () => {
      if (log.includes("Prism is listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code}:\n${log}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => log,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export function prismMock(): Promise<PrismProcess> {
  return start(["mock", spec]);
}

/**
 * Requests pass through unchecked, so the server's own 400 and 401 are what is tested;
 * every response is validated, and `--errors` turns a violation into an error.
 */
export function prismProxy(upstream: string): Promise<PrismProcess> {
  return start(["proxy", spec, upstream, "--errors", "--validate-request=false"]);
}
