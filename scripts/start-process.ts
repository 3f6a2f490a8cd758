// Start a child process and wait until its output says it is ready: the bench's servers
// and the tests' Prism both listen on port 0 and print the port they got, so two runs at
// once never race for a port picked in advance.
import { type ChildProcess, spawn } from "node:child_process";

export interface StartOptions {
  /** Matched against everything the process printed so far, stdout and stderr together. */
  ready: RegExp;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface StartedProcess {
  child: ChildProcess;
  /** The match of `ready`: the port or URL the process printed. */
  match: RegExpMatchArray;
  /** Everything the process printed so far, for failure messages. */
  output: () => string;
  /** SIGTERM, resolved once the process has exited. */
  stop: () => Promise<void>;
}

export function startProcess(command: string, args: readonly string[], options: StartOptions): Promise<StartedProcess> {
  const { ready, cwd, env, timeoutMs = 60_000 } = options;
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once("exit", () => resolve());
    // A child that failed to spawn emits "error" and never "exit".
    child.once("error", () => resolve());
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const name = [command, ...args].join(" ");
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${name} ${reason}:\n${log}`));
    };
    const timer = setTimeout(() => fail(`did not print ${ready} within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString("utf8");
      const match = settled ? null : log.match(ready);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve({ child, match, output: () => log, stop });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (${signal ?? `code ${code}`})`);
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", onExit);
    child.once("error", (error) => fail(`could not start: ${error.message}`));
  });
}
