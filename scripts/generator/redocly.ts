// Lint and bundle through the pinned Redocly CLI. Problems come back as `file:line:col`
// so editors and terminals link straight to the spot.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../node_modules/@redocly/cli/bin/cli.js", import.meta.url));

export interface LintProblem {
  severity: "error" | "warn";
  rule: string;
  message: string;
  file: string;
  line: number;
  col: number;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Redocly's messages without its boxed Node-version banner. */
function withoutBanner(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/[║╔╚]/.test(line) && line.trim() !== "")
    .join("\n");
}

export class SpecError extends Error {}

export function formatProblem(p: LintProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === "error" ? "error" : "warning"} ${p.rule}: ${p.message}`;
}

interface JsonReport {
  problems: {
    ruleId: string;
    severity: "error" | "warn";
    message: string;
    location: { source: { ref: string }; start?: { line: number; col: number } }[];
  }[];
}

/**
 * The redocly.yaml that governs a spec: the nearest one from the spec's folder up to the
 * working directory, so a spec kept elsewhere brings its own rules.
 */
export function configFor(specPath: string): string | undefined {
  const root = process.cwd();
  let dir = path.dirname(path.resolve(specPath));
  for (;;) {
    const candidate = path.join(dir, "redocly.yaml");
    if (existsSync(candidate)) return candidate;
    if (dir === root || !dir.startsWith(root) || path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

/** Runs `redocly lint`; throws SpecError (with file:line) when the spec cannot be parsed. */
export async function lint(specPath: string): Promise<LintProblem[]> {
  const config = configFor(specPath);
  const result = await run(["lint", specPath, "--format=json", ...(config ? ["--config", config] : [])]);
  const start = result.stdout.indexOf("{");
  if (start === -1) throw new SpecError(withoutBanner(result.stderr || result.stdout) || "redocly lint failed");
  const report = JSON.parse(result.stdout.slice(start)) as JsonReport;
  return report.problems.map((problem) => {
    const location = problem.location[0];
    return {
      severity: problem.severity,
      rule: problem.ruleId,
      message: problem.message,
      file: location ? path.relative(process.cwd(), path.resolve(location.source.ref)) : specPath,
      line: location?.start?.line ?? 1,
      col: location?.start?.col ?? 1,
    };
  });
}

/** Runs `redocly bundle` into one document with only local refs. */
export async function bundle(specPath: string): Promise<unknown> {
  const dir = await mkdtemp(path.join(tmpdir(), "bundle-"));
  try {
    const out = path.join(dir, "bundled.json");
    const result = await run(["bundle", specPath, "--output", out]);
    if (result.code !== 0) throw new SpecError(withoutBanner(result.stderr || result.stdout) || "redocly bundle failed");
    return JSON.parse(await readFile(out, "utf8"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
