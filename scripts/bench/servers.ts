// The servers the benchmark compares, each in its own process on 127.0.0.1 (so the load
// client in the parent never shares their event loop), and the load that measures them.
import path from "node:path";
import { DEMO_PASSWORD } from "../../server/demo/demo-data.js";
import { startProcess } from "../start-process.js";

const root = path.resolve(import.meta.dirname, "../..");

export const auth = (user: string) => `Basic ${Buffer.from(`${user}:${DEMO_PASSWORD}`).toString("base64")}`;

export interface Running {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

async function startServer(
  args: string[],
  ready: RegExp,
  urlOf: (match: RegExpMatchArray) => string,
  env: Record<string, string> = {},
): Promise<Running> {
  const started = await startProcess(process.execPath, args, { cwd: root, ready, env: { ...process.env, ...env } });
  return {
    url: urlOf(started.match),
    pid: started.child.pid!,
    stop: async () => {
      await started.stop();
    },
  };
}

const listening = /listening (\d+)/;
const local = (m: RegExpMatchArray) => `http://127.0.0.1:${m[1]}`;
const underTsx = (script: string, ...args: string[]) =>
  startServer(["--import", "tsx", path.join(root, "scripts/bench", script), ...args], listening, local);

/** How much the app validates: as in production (requests), as in development (and responses), or nothing. */
export type Validation = "production" | "validate" | "plain";

/** Our Express app through the tsx loader (bench-server.ts). */
export const startAppOn = (validation: Validation, databaseUrl: string) => underTsx("bench-server.ts", "app", validation, databaseUrl);
export const startApp = (validation: Validation, databaseFile: string) => startAppOn(validation, `sqlite:${databaseFile}`);
export const startBare = (file: string) => underTsx("bench-server.ts", "bare", file);
export const startRouterOnly = (file: string) => underTsx("bench-server.ts", "router", file);
/** Our handler and store with no router, auth or validation: on node:http alone, or on one bare Express route. */
export const startHandlerOnly = (server: "node" | "express", databaseFile: string) =>
  underTsx("bench-server.ts", "handler", server, `sqlite:${databaseFile}`);
export const startFastifyPeer = (databaseFile: string) => underTsx("fastify-peer.ts", `sqlite:${databaseFile}`);

/** What `npm start` runs (compiled dist/, see scripts/build.ts), request logs off as in bench-server.ts. */
export const startCompiled = (databaseFile: string, workers: number) =>
  startServer([path.join(root, "dist/server/main.js")], /Customers API\s+(http:\/\/\S+)\/customers/, (m) => m[1]!, {
    DATABASE_URL: `sqlite:${databaseFile}`,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    NODE_ENV: "production",
    WEB_CONCURRENCY: String(workers),
  });

export const startPrism = () =>
  startServer(
    [
      path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js"),
      "mock",
      "generated/openapi.json",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ],
    /Prism is listening on (http:\/\/\S+)/,
    (m) => m[1]!,
  );

export const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export function formatMarkdown(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
