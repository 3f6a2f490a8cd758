// The servers the benchmark compares, each in its own process on 127.0.0.1 (so load from
// autocannon in the parent never shares their event loop), and the load that measures them.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { DEMO_PASSWORD } from "../../server/demo/demo-data.js";

const root = path.resolve(import.meta.dirname, "../..");

export const auth = (user: string) => `Basic ${Buffer.from(`${user}:${DEMO_PASSWORD}`).toString("base64")}`;

export interface Running {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

export function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  urlOf: (match: RegExpMatchArray) => string,
  env: Record<string, string> = {},
): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      // Keep draining: a full pipe would block a server that logs.
      child.stdout!.resume();
      resolve({
        url: urlOf(match),
        pid: child.pid!,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`)));
  });
}

const listening = /listening (\d+)/;
const local = (m: RegExpMatchArray) => `http://127.0.0.1:${m[1]}`;
const underTsx = (script: string, ...args: string[]) =>
  startProcess(process.execPath, ["--import", "tsx", path.join(root, "scripts/bench", script), ...args], listening, local);

/** Our Express app through the tsx loader (bench-server.ts), with or without validation. */
export const startApp = (validation: "validate" | "plain", databaseFile: string) =>
  underTsx("bench-server.ts", "app", validation, `sqlite:${databaseFile}`);
export const startBare = (file: string) => underTsx("bench-server.ts", "bare", file);
export const startRouterOnly = (file: string) => underTsx("bench-server.ts", "router", file);
export const startFastifyPeer = (databaseFile: string) => underTsx("fastify-peer.ts", `sqlite:${databaseFile}`);

/** What `npm start` runs (compiled dist/, see scripts/build.ts), request logs off as in bench-server.ts. */
export const startCompiled = (databaseFile: string, workers: number) =>
  startProcess(process.execPath, [path.join(root, "dist/server/main.js")], /Customers API\s+(http:\/\/\S+)\/customers/, (m) => m[1]!, {
    DATABASE_URL: `sqlite:${databaseFile}`,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    WEB_CONCURRENCY: String(workers),
  });

export const startPrism = () => {
  const port = 4100 + Math.floor(Math.random() * 800);
  return startProcess(
    process.execPath,
    [
      path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js"),
      "mock",
      "generated/openapi.json",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ],
    /Prism is listening on (http:\/\/\S+)/,
    (m) => m[1]!,
  );
};

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export async function load(url: string, user: string, connections: number, duration: number): Promise<Measured> {
  // A short warm-up first: lazy initialisation (the validator compiles on first use) is not throughput.
  await autocannon({ url, connections: 1, amount: 20, headers: { authorization: auth(user) } });
  const result = await autocannon({ url, connections, duration, headers: { authorization: auth(user) } });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

export const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export function formatMarkdown(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
