// Redocly's HTML reference of the bundled spec, into .build/docs/index.html
// (git-ignored: it is derived from generated/openapi.json and weighs a few MB).
//
// The page must work with no internet (CI and our machines have none):
// - --inlineBundle embeds Redoc's script; without it the page loads redoc.standalone.js
//   from cdn.redocly.com when opened, and offline stays a static, non-interactive prerender.
// - Even inlined, Redoc 3 shows an "API docs by Redocly" logo fetched from cdn.redoc.ly,
//   with no option to turn it off. A Content-Security-Policy in the page keeps the browser
//   on the page's own origin, so that logo (and anything a later Redoc adds) is never
//   requested; Redoc hides the image when it fails to load.
import { execFile } from "node:child_process";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { docsPolicy, policyText } from "../../server/http/docs-policy.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = path.join(root, "node_modules/@redocly/cli/bin/cli.js");

/** Absolute, so the server and the tests find them whatever their working directory. */
export const DOCS_HTML = path.join(root, ".build/docs/index.html");
export const BUNDLED_SPEC = path.join(root, "generated/openapi.json");

// Shared with the server, which sends the same policy as a header on /docs.
const contentSecurityPolicy = policyText(docsPolicy);

/** The page as Redocly wrote it, with the policy as the first thing in <head>. */
export function withContentSecurityPolicy(html: string): string {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) throw new Error("redocly build-docs wrote a page without <head>: cannot add the Content-Security-Policy");
  const end = head.index + head[0].length;
  return `${html.slice(0, end)}\n  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}">${html.slice(end)}`;
}

export interface DocsBuild {
  built: boolean;
  ms: number;
}

async function mtime(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Redocly's output without its boxed Node-version banner and blank lines. */
function withoutBanner(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/[║╔╚]/.test(line) && line.trim() !== "")
    .join("\n");
}

/** Always rebuilds. Throws with Redocly's message when it fails; the old page stays. */
export async function buildDocs(): Promise<DocsBuild> {
  const started = performance.now();
  await mkdir(path.dirname(DOCS_HTML), { recursive: true });
  // Written beside the target and renamed, so the server never sends a half-written page
  // and two builds racing (npm start and a test) cannot interleave.
  const partial = `${DOCS_HTML}.${process.pid}.partial.html`;
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [cli, "build-docs", path.relative(root, BUNDLED_SPEC), "--output", partial, "--inlineBundle", "--title", "Evo Voice customers API"],
        {
          cwd: root,
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`redocly build-docs failed:\n${withoutBanner(stderr || stdout) || error.message}`));
          else resolve();
        },
      );
    });
    await writeFile(partial, withContentSecurityPolicy(await readFile(partial, "utf8")));
    await rename(partial, DOCS_HTML);
  } finally {
    await rm(partial, { force: true });
  }
  return { built: true, ms: performance.now() - started };
}

/** Like make: rebuilds only when the page is missing or older than the bundled spec. */
export async function buildDocsIfStale(): Promise<DocsBuild> {
  const started = performance.now();
  const [html, spec] = await Promise.all([mtime(DOCS_HTML), mtime(BUNDLED_SPEC)]);
  if (spec === undefined) throw new Error(`${path.relative(root, BUNDLED_SPEC)} is missing: run npm run generate`);
  if (html !== undefined && html >= spec) return { built: false, ms: performance.now() - started };
  return buildDocs();
}
