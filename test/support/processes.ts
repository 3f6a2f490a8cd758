// A TypeScript entry point (server/main.ts, server/cli/seed.ts) run as its own process,
// as a user runs it: wait for a line of its output, kill it, or wait for its exit.
import { fileURLToPath } from "node:url";
import { type Exit, type RunningProcess, runProcess } from "../../scripts/start-process.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

export type { Exit };
export type Proc = RunningProcess;

/** `stdin`: a pipe the caller may close to tell the process to stop. */
export function runTs(entry: string, args: string[], env: Record<string, string>, options: { stdin?: boolean } = {}): Proc {
  return runProcess(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdin: options.stdin,
  });
}

/** `npm start` without its prestart step: the server on an ephemeral port; resolves with its base URL. */
export async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Proc & { baseUrl: string }> {
  const proc = runTs("server/main.ts", [], { DATABASE_URL: databaseUrl, PORT: "0", HOST: "127.0.0.1", DEMO_CUSTOMERS: "50", ...env });
  const [, baseUrl] = await proc.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
  return { ...proc, baseUrl: baseUrl! };
}

export function stop(proc: Proc): Promise<Exit> {
  return proc.stop();
}
