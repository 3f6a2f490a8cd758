// The Chromium the browser tests drive, found without apt: CHROME_PATH, else a system
// Chromium, else the one shipped inside the npm package @sparticuz/chromium, so `npm ci`
// alone is enough on a fresh machine and nothing is downloaded at install or test time.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export interface ChromiumExecutable {
  path: string;
  source: "CHROME_PATH" | "system" | "@sparticuz/chromium";
}

const SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** Every launch: headless, and nothing that phones home, so a test never reaches the network by itself. */
const OFFLINE_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// @sparticuz/chromium's flags are tuned for AWS Lambda. These would change what the tests
// observe: without web security a page ignores CORS, which the page tests must see fail
// for real; a single process lets one crashed renderer take every context down; and the
// headless mode is Playwright's to choose.
const DROPPED_SPARTICUZ_FLAGS = [/^--single-process$/, /^--disable-web-security$/, /^--allow-running-insecure-content$/, /^--headless\b/];

export async function findChromium(): Promise<ChromiumExecutable> {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    // A path someone set on purpose must not be silently replaced by another browser.
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return { path: fromEnv, source: "CHROME_PATH" };
  }
  const system = SYSTEM_CHROMIUMS.find((candidate) => existsSync(candidate));
  if (system) return { path: system, source: "system" };
  return { path: await sparticuzChromium(), source: "@sparticuz/chromium" };
}

export async function launchBrowser(): Promise<Browser> {
  const executable = await findChromium();
  const extra = executable.source === "@sparticuz/chromium" ? await sparticuzFlags() : [];
  const args = [...new Set([...extra, ...OFFLINE_FLAGS])];
  return chromium.launch({ executablePath: executable.path, args });
}

async function sparticuzModule() {
  const { default: Chromium } = await import("@sparticuz/chromium");
  // No WebGL needed, and with graphics off its flags agree with --disable-gpu and it skips
  // unpacking SwiftShader.
  Chromium.setGraphicsMode = false;
  return Chromium;
}

async function sparticuzFlags(): Promise<string[]> {
  const Chromium = await sparticuzModule();
  return Chromium.args.filter((flag) => !DROPPED_SPARTICUZ_FLAGS.some((dropped) => dropped.test(flag)));
}

/**
 * The package unpacks its Brotli archive to `$TMPDIR/chromium` and reuses whatever is
 * there. Two test files launching at once would both write that file (and one exec it
 * half written), and a run killed mid-unpack or another version's binary would be reused
 * for good. So the unpacking happens under a lock, and a marker written only after it
 * completes names the version it came from.
 */
async function sparticuzChromium(): Promise<string> {
  const Chromium = await sparticuzModule();
  const version = await sparticuzVersion();
  const binary = path.join(tmpdir(), "chromium");
  const marker = path.join(tmpdir(), "chromium.sparticuz-version");
  const unpacked = async () => existsSync(binary) && (await readFile(marker, "utf8").catch(() => "")) === version;
  if (await unpacked()) return binary;
  const release = await lock(path.join(tmpdir(), "chromium.sparticuz-lock"));
  try {
    if (await unpacked()) return binary;
    await rm(marker, { force: true });
    await rm(binary, { force: true });
    const unpackedPath = await Chromium.executablePath();
    await writeFile(marker, version);
    return unpackedPath;
  } finally {
    await release();
  }
}

async function sparticuzVersion(): Promise<string> {
  let dir = path.dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium"));
  for (;;) {
    const manifest = (await readFile(path.join(dir, "package.json"), "utf8").then(JSON.parse, () => undefined)) as
      | { name?: string; version?: string }
      | undefined;
    if (manifest?.name === "@sparticuz/chromium" && manifest.version) return manifest.version;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("@sparticuz/chromium's package.json not found");
    dir = parent;
  }
}

/** mkdir is atomic, so it is the lock; one left by a killed run is taken over once it is old. */
async function lock(dir: string): Promise<() => Promise<void>> {
  const staleAfterMs = 120_000;
  const deadline = Date.now() + 2 * staleAfterMs;
  for (;;) {
    try {
      await mkdir(dir);
      return () => rmdir(dir).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const since = await stat(dir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (since > staleAfterMs) await rmdir(dir).catch(() => undefined);
    if (Date.now() > deadline) throw new Error(`could not take ${dir} to unpack @sparticuz/chromium`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
