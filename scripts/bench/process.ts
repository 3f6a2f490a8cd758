// Servers under benchmark run in processes of their own, so the load generator never
// shares their event loop or their libuv threads. Each prints the port it listens on.
import path from "node:path";
import { startProcess } from "../start-process.js";

const root = path.resolve(import.meta.dirname, "../..");

export interface Running {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** Starts node with `args` in the repository root; resolves once its output matches `ready`. */
export async function startServer(args: string[], ready: RegExp, urlOf: (match: RegExpMatchArray) => string): Promise<Running> {
  const started = await startProcess(process.execPath, args, { cwd: root, ready });
  return { url: urlOf(started.match), pid: started.child.pid!, stop: started.stop };
}
