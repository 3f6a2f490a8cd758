// A TypeScript entry point (server/main.ts, server/cli/seed.ts) run as its own process,
// as a user runs it: wait for a line of its output, kill it, or wait for its exit.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export interface Proc {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output: () => string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
}

/** `stdin`: a pipe the caller may close to tell the process to stop. */
export function runTs(entry: string, args: string[], env: Record<string, string>, options: { stdin?: boolean } = {}): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<Exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, output })));
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern);
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern} from ${entry}; output:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then((e) => {
        done();
        reject(new Error(`${entry} exited (${e.code ?? e.signal}) before printing ${pattern}; output:\n${e.output}`));
      });
      check();
    });
  return { child, output: () => output, waitFor, exited };
}

/** `npm start` without its prestart step: the server on an ephemeral port; resolves with its base URL. */
export async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Proc & { baseUrl: string }> {
  const proc = runTs("server/main.ts", [], { DATABASE_URL: databaseUrl, PORT: "0", HOST: "127.0.0.1", DEMO_CUSTOMERS: "50", ...env });
  const [, baseUrl] = await proc.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
  return { ...proc, baseUrl: baseUrl! };
}

export async function stop(proc: Proc): Promise<Exit> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGTERM");
  return proc.exited;
}
