// npm run build: compile server/ and generated/ to dist/ with tsc, so production runs plain
// JavaScript under node (no loader process between the signal and the server). npm start's
// prestart step calls buildIfStale(), so `npm ci && npm start` works on a fresh clone.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = path.join(root, "dist");
/** Written last, so a build that failed halfway stays stale. */
const stamp = path.join(dist, ".built");
/** What the compiled server is made of; a change to any of them calls for a build. */
const inputs = ["server", "generated", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

export function newestMtime(entry: string): number {
  const stats = statSync(entry, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

export function isBuildStale(): boolean {
  const built = newestMtime(stamp);
  return built === 0 || inputs.some((input) => newestMtime(path.join(root, input)) > built);
}

/** tsc (type check and emit), then what tsc does not copy: the bundled spec generated/server.js reads at run time. */
export async function build(): Promise<number> {
  const started = performance.now();
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed:\n${stdout}${stderr}`);
  }
  mkdirSync(path.join(dist, "generated"), { recursive: true });
  copyFileSync(path.join(root, "generated/openapi.json"), path.join(dist, "generated/openapi.json"));
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return performance.now() - started;
}

export async function buildIfStale(): Promise<{ built: boolean; ms: number }> {
  if (!isBuildStale()) return { built: false, ms: 0 };
  return { built: true, ms: await build() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const ms = await build();
    console.error(`build: dist/ compiled in ${(ms / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
