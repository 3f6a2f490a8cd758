// A child process whose output can be waited on: the bench's servers, the tests' Prism,
// `npm start` and the server's own entry points in tests. Servers listen on port 0 and
// print the port they got, so two runs at once never race for a port picked in advance.
import { type ChildProcess, spawn } from "node:child_process";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the process printed, stdout and stderr interleaved. */
  output: string;
  /** performance.now() when it exited. */
  at: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A pipe the caller may close to tell the process to stop. */
  stdin?: boolean;
  /** Its own process group, so that cleanup can reach its children too. */
  detached?: boolean;
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output: () => string;
  /** The first match of `pattern` in the output; rejects if the process exits first or time runs out. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
  /** SIGTERM unless it has already exited; resolves with its exit. */
  stop: () => Promise<Exit>;
}

export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): RunningProcess {
  const name = [command, ...args].join(" ");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: options.detached,
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, output, at: performance.now() }));
    // A child that failed to spawn emits "error" and never "exit".
    child.once("error", (error) => {
      output += `could not start: ${error.message}\n`;
      resolve({ code: null, signal: null, output, at: performance.now() });
    });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      let settled = false;
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        listeners.delete(check);
      };
      const check = () => {
        const match = settled ? null : output.match(pattern);
        if (!match) return;
        finish();
        resolve(match);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      void exited.then((exit) => {
        if (settled) return;
        finish();
        reject(new Error(`${name} exited (${exit.signal ?? `code ${exit.code}`}) before printing ${pattern}:\n${exit.output}`));
      });
      check();
    });
  const stop = async (): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return exited;
  };
  return { child, output: () => output, waitFor, exited, stop };
}

export interface StartOptions extends RunOptions {
  /** Matched against everything the process printed so far, stdout and stderr together. */
  ready: RegExp;
  timeoutMs?: number;
}

export interface StartedProcess extends RunningProcess {
  /** The match of `ready`: the port or URL the process printed. */
  match: RegExpMatchArray;
}

/** Runs a process and resolves once it is ready; one that never gets there is killed. */
export async function startProcess(command: string, args: readonly string[], options: StartOptions): Promise<StartedProcess> {
  const running = runProcess(command, args, options);
  try {
    return { ...running, match: await running.waitFor(options.ready, options.timeoutMs) };
  } catch (error) {
    running.child.kill("SIGKILL");
    throw error;
  }
}
