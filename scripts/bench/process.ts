// Servers under benchmark run in processes of their own, so the load generator never
// shares their event loop or their libuv threads.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface Running {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** Starts `command` in the repository root and resolves once its output matches `ready`. */
export function startProcess(command: string, args: string[], ready: RegExp, urlOf: (match: RegExpMatchArray) => string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
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
