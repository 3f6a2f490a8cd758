// npm run dev: watch mode. A save under openapi/ (or to redocly.yaml) regenerates
// generated/ in-process and, when that succeeds, restarts the server; a save under server/
// only restarts it. A broken spec leaves the last good generated/ and the running server
// in place, so the API keeps answering while the designer fixes the typo.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { generate, writeOutputs } from "./generator/pipeline.js";
import { SpecError } from "./generator/redocly.js";
import { buildDocsIfStale } from "./spec/build-docs.js";
import { specErrorLines } from "./spec/problems.js";

const specPath = "openapi/openapi.yaml";
const outDir = "generated";
const serverEntry = "server/main.ts";
// Editors write a file in several steps (truncate, write, rename); one save, one run.
const debounceMs = 100;
// main.ts force-exits after 10 s of draining; past that the child is stuck.
const stopTimeoutMs = 12_000;
// A start that hangs must not block the watch loop: after this, the next save restarts it.
const startTimeoutMs = 60_000;
// Both lines are printed by main.ts once it listens: pino's (hidden when LOG_LEVEL is above
// info) and the banner (always written).
const listeningLine = /"msg":"listening"|Customers API\s+http/;
// What server/ imports that is slow to load and never edited here: express-openapi-validator
// alone takes longer than main.ts's own start-up. A module missing from this list is only
// loaded later, not wrongly.
const warmModules = ["express", "express-openapi-validator", "better-sqlite3", "pino", "pino-http"];
// Swap files, backups and vim's write probe are not saves.
const ignoredFile = /(^|[/\\])(\.[^/\\]*|[^/\\]*~|4913)$|\.sw[px]$/;

interface Batch {
  regenerate: boolean;
  restart: boolean;
  /** performance.now() of the first event of the batch: "serving in" counts from here. */
  since: number;
  files: Set<string>;
}

interface Server {
  process: ChildProcess;
  /** Dependencies loaded; waiting for "go". */
  ready: Promise<void>;
  /** true once main.ts printed its listening line, false if the process exited first. */
  listening: Promise<boolean>;
  exited: Promise<void>;
}

let pending: Batch | undefined;
let debounce: NodeJS.Timeout | undefined;
let busy = false;
let closing = false;
let server: Server | undefined;
let spare: Server | undefined;
const watchers: FSWatcher[] = [];

function say(line: string): void {
  console.log(`[dev] ${line}`);
}

function ms(since: number): string {
  return `${Math.round(performance.now() - since)} ms`;
}

function schedule(change: Partial<Batch>, file?: string): void {
  pending ??= { regenerate: false, restart: false, since: performance.now(), files: new Set() };
  pending.regenerate ||= change.regenerate ?? false;
  pending.restart ||= change.restart ?? false;
  if (file) pending.files.add(file);
  clearTimeout(debounce);
  debounce = setTimeout(() => {
    debounce = undefined;
    void drain();
  }, debounceMs);
}

/** One run at a time; whatever arrived meanwhile is run once more afterwards. */
async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    while (pending && !debounce && !closing) {
      const batch = pending;
      pending = undefined;
      await handle(batch);
    }
  } finally {
    busy = false;
  }
}

async function handle(batch: Batch): Promise<void> {
  if (batch.files.size > 0) say(`changed: ${[...batch.files].join(", ")}`);
  let restart = batch.restart;
  if (batch.regenerate && (await regenerate()) === "changed") {
    restart = true;
    // Off the restart's path: /docs serves the previous page until this one is written.
    void buildDocsIfStale().then(
      (docs) => docs.built && say(`docs rebuilt in ${Math.round(docs.ms)} ms`),
      (error: unknown) => say(`docs not rebuilt: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
  if (!restart || closing) return;
  if (pending?.regenerate) {
    // Another spec save is already queued: restart once, after that generation.
    pending.restart = true;
    pending.since = Math.min(pending.since, batch.since);
    return;
  }
  await restartServer(batch.since);
}

type GenerateResult = "changed" | "unchanged" | "broken";

async function regenerate(): Promise<GenerateResult> {
  const started = performance.now();
  try {
    const outputs = await generate({ specPath, lint: true, onProblem: (line) => console.error(line) });
    const written = await writeOutputs(outDir, outputs);
    say(`generated in ${ms(started)}: ${written.length > 0 ? `wrote ${written.join(", ")}` : `${outDir}/ already up to date`}`);
    return written.length > 0 ? "changed" : "unchanged";
  } catch (error) {
    // Anything the generator throws is the spec's fault from here; dev must survive it.
    if (error instanceof SpecError) for (const line of specErrorLines(error.message)) console.error(line);
    else console.error(error);
    say(`the spec is broken; ${outDir}/ and the running server were left as they were`);
    return "broken";
  }
}

async function restartServer(since: number): Promise<void> {
  await stopServer();
  if (closing) return;
  const started = await startServer();
  if (!closing) spare ??= spawnServer();
  if (started) say(`serving in ${ms(since)}`);
  else say("the server did not start (its output is above); save a file to retry");
}

async function startServer(): Promise<boolean> {
  const next = spare ?? spawnServer();
  spare = undefined;
  server = next;
  return withTimeout(launch(next), startTimeoutMs, () => say(`the server is not listening after ${startTimeoutMs / 1000} s`));
}

async function launch(next: Server): Promise<boolean> {
  const ready = await Promise.race([next.ready.then(() => true), next.exited.then(() => false)]);
  if (!ready || !next.process.connected) return false;
  next.process.send("go");
  return next.listening;
}

function withTimeout(promise: Promise<boolean>, timeoutMs: number, onTimeout: () => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve(false);
    }, timeoutMs);
  });
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
}

/**
 * A server process that loads tsx and the heavy dependencies, then waits for "go" before
 * importing server/main.ts. Spawned ahead of time, a restart costs only main.ts's own
 * start-up; server/ and generated/ are still imported fresh. main.ts is argv[1], as if run
 * directly, and the process stops when dev's IPC channel goes, so dev dying leaves no server.
 */
function spawnServer(): Server {
  const args = ["--import", "tsx", "--input-type=module", "-e", warmUpCode, serverEntry];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env: process.env });
  const self: Server = {
    process: child,
    ready: new Promise((resolve) => child.on("message", (message) => message === "ready" && resolve())),
    // A child that failed to spawn emits "error" and never "exit".
    exited: new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    }),
    listening: new Promise((resolve) => {
      forwardLines(child, (line) => listeningLine.test(line) && resolve(true));
      child.once("exit", () => resolve(false));
    }),
  };
  child.stderr!.pipe(process.stderr);
  child.once("error", (error) => console.error(error));
  child.once("exit", (code, signal) => onExit(self, code, signal));
  return self;
}

function onExit(exited: Server, code: number | null, signal: NodeJS.Signals | null): void {
  if (spare === exited) spare = undefined;
  if (server !== exited) return;
  server = undefined;
  if (!closing) say(`server exited (${signal ?? `code ${code}`})`);
}

const warmUpCode = `
const { pathToFileURL } = await import("node:url");
await Promise.allSettled(${JSON.stringify(warmModules)}.map((name) => import(name)));
process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
process.once("message", () => {
  import(pathToFileURL(process.argv[1]).href).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});
process.send("ready");
`;

/** Copies the child's stdout through, line by line, so the listening line can be spotted. */
function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
  let partial = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    process.stdout.write(chunk);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    lines.forEach(onLine);
  });
}

async function stopServer(): Promise<void> {
  const current = server;
  if (!current) return;
  server = undefined;
  await stop(current);
}

async function stop(target: Server): Promise<void> {
  target.process.kill("SIGTERM");
  const timer = setTimeout(() => target.process.kill("SIGKILL"), stopTimeoutMs);
  await target.exited;
  clearTimeout(timer);
}

/**
 * chokidar, not fs.watch: Node's recursive fs.watch on Linux follows each file's inode, so
 * once an editor saved by rename (vim, sed -i, most IDEs) or git replaced a file, later
 * saves to it went unseen. chokidar watches the directories and sees the new file.
 */
function watchPaths(paths: string[], change: Partial<Batch>): Promise<void> {
  const watcher = watch(paths, { ignoreInitial: true, ignored: (file) => ignoredFile.test(file) });
  watcher.on("all", (_event, file) => schedule(change, path.relative(".", file)));
  watcher.on("error", (error) => say(`watch error: ${error instanceof Error ? error.message : String(error)}`));
  watchers.push(watcher);
  return new Promise((resolve) => watcher.once("ready", () => resolve()));
}

async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  say(`${signal}: stopping`);
  clearTimeout(debounce);
  await Promise.all(watchers.map((watcher) => watcher.close()));
  const spareServer = spare;
  spare = undefined;
  await Promise.all([stopServer(), spareServer && stop(spareServer)]);
  process.exit(0);
}

process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

spare = spawnServer();
await Promise.all([watchPaths(["openapi", "redocly.yaml"], { regenerate: true }), watchPaths(["server"], { restart: true })]);
say(`watching openapi/, redocly.yaml and server/ (Ctrl-C to stop)`);
// First run: lint and generate (so problems show up now), then start the server.
schedule({ regenerate: true, restart: true });
