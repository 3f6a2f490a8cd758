// npx tsx scripts/bench-generate.ts [--spec PATH] [--runs N] [--typecheck]
// How much do our client and server emitters cost next to openapi-typescript's types step,
// on a large real spec? Runs generate() N times on GitHub's REST API description (or
// --spec), once on our own spec, and prints one Markdown table comparing both.
// Progress goes to stderr, the table (and the typecheck verdict) to stdout.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { httpMethods, resolve, type OpenApiDocument } from "../generator/document.js";
import { generate, writeOutputs, type Outputs } from "../generator/pipeline.js";

/** GitHub's REST API description as npm ships it; pinned so numbers stay comparable. */
const githubPackage = "@octokit/openapi";
const githubVersion = "23.0.2";
const githubFile = "package/generated/api.github.com.json";
const specDir = ".tmp/bench-spec";
const outDir = ".tmp/bench-out";
const ownSpec = "openapi/openapi.yaml";
const steps = ["lint", "bundle", "types", "client", "server"] as const;

const { values } = parseArgs({
  options: {
    spec: { type: "string" },
    runs: { type: "string", default: "3" },
    typecheck: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(`Usage: npx tsx scripts/bench-generate.ts [--spec PATH] [--runs N] [--typecheck]

  --spec PATH   the large spec to time (default: ${githubPackage}@${githubVersion} ${githubFile},
                fetched with npm pack into ${specDir}/ on first use)
  --runs N      generate() runs on the large spec; the table shows medians (default 3)
  --typecheck   also write the large spec's outputs to ${outDir}/ and compile client.ts and
                server.ts with tsc --strict (slow on a big spec)

${ownSpec} is always generated once too (with lint), as the second row.`);
  process.exit(0);
}

const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer (got ${values.runs})`);
  process.exit(2);
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { maxBuffer: 256 * 1024 * 1024, shell: process.platform === "win32" }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The pinned GitHub spec, fetched from the npm registry once and kept in .tmp/. */
async function githubSpec(): Promise<string> {
  const spec = path.join(specDir, githubFile);
  if (existsSync(spec)) return spec;
  await mkdir(specDir, { recursive: true });
  const tarball = `octokit-openapi-${githubVersion}.tgz`;
  if (!existsSync(path.join(specDir, tarball))) {
    progress(`fetching ${githubPackage}@${githubVersion} (about 30 MB) into ${specDir}/ ...`);
    const packed = await exec("npm", ["pack", `${githubPackage}@${githubVersion}`, "--pack-destination", specDir, "--silent"]);
    if (packed.code !== 0) throw new Error(`npm pack ${githubPackage}@${githubVersion} failed:\n${packed.stderr || packed.stdout}`);
  }
  const files = await readdir(specDir);
  if (!files.includes(tarball)) throw new Error(`npm pack left no ${tarball} in ${specDir}/ (found: ${files.join(", ")})`);
  const extracted = await exec("tar", ["-xzf", path.join(specDir, tarball), "-C", specDir, githubFile]);
  if (extracted.code !== 0 || !existsSync(spec)) throw new Error(`tar could not extract ${githubFile}:\n${extracted.stderr}`);
  return spec;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Row {
  label: string;
  runs: number;
  lint: boolean;
  /** Median ms per step, and of the whole generate() call. */
  ms: Partial<Record<(typeof steps)[number] | "total", number>>;
  operations: number;
  schemas: number;
  kb: { types: number; client: number; server: number };
  /** process.resourceUsage().maxRSS after the row: this process's peak so far, in MB. */
  peakRssMb: number;
  outputs: Outputs;
}

function countOperations(doc: OpenApiDocument): number {
  let count = 0;
  for (const item of Object.values(doc.paths ?? {})) {
    const pathItem = resolve(doc, item as { $ref?: string } & typeof item);
    count += httpMethods.filter((method) => pathItem[method] !== undefined).length;
  }
  return count;
}

const kb = (text: string | undefined) => Buffer.byteLength(text ?? "", "utf8") / 1024;

async function bench(label: string, specPath: string, n: number, lint: boolean): Promise<Row> {
  const samples = new Map<string, number[]>();
  let outputs: Outputs | undefined;
  for (let run = 1; run <= n; run++) {
    progress(`run ${run}/${n} ${label}${lint ? "" : " (no lint)"} ...`);
    const timings: string[] = [];
    const started = performance.now();
    outputs = await generate({
      specPath,
      lint,
      onStep: (step, ms) => {
        samples.set(step, [...(samples.get(step) ?? []), ms]);
        timings.push(`${step} ${ms.toFixed(0)} ms`);
      },
      onProblem: lint ? (line) => progress(`  ${line}`) : undefined,
    });
    const total = performance.now() - started;
    samples.set("total", [...(samples.get("total") ?? []), total]);
    progress(`  ${timings.join(", ")}; total ${total.toFixed(0)} ms`);
  }
  // The bundled document, as generate() saw it (its marker key is harmless here).
  const doc = JSON.parse(outputs!.get("openapi.json")!) as OpenApiDocument;
  const ms: Row["ms"] = {};
  for (const [step, xs] of samples) ms[step as keyof Row["ms"]] = median(xs);
  return {
    label,
    runs: n,
    lint,
    ms,
    operations: countOperations(doc),
    schemas: Object.keys(doc.components?.schemas ?? {}).length,
    kb: { types: kb(outputs!.get("schema.d.ts")), client: kb(outputs!.get("client.ts")), server: kb(outputs!.get("server.ts")) },
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    outputs: outputs!,
  };
}

const fmtMs = (x: number | undefined) => (x === undefined ? "–" : x < 10 ? x.toFixed(1) : x.toFixed(0));
const fmtKb = (x: number) => (x < 100 ? x.toFixed(1) : x.toFixed(0));

function table(rows: (Row | { label: string; error: string })[]): string {
  const head = [
    "spec",
    "runs",
    "operations",
    "schemas",
    "lint ms",
    "bundle ms",
    "types ms",
    "client ms",
    "server ms",
    "(client+server)/types",
    "total ms",
    "schema.d.ts KB",
    "client.ts KB",
    "server.ts KB",
    "peak RSS MB",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const row of rows) {
    if ("error" in row) {
      lines.push(`| ${row.label} | FAILED: ${row.error.split("\n")[0]!.replace(/\|/g, "\\|")} |${" |".repeat(head.length - 2)}`);
      continue;
    }
    const { ms } = row;
    const ratio =
      ms.types && ms.client !== undefined && ms.server !== undefined ? `${(((ms.client + ms.server) / ms.types) * 100).toFixed(1)}%` : "–";
    lines.push(
      `| ${[
        row.label,
        String(row.runs),
        String(row.operations),
        String(row.schemas),
        row.lint ? fmtMs(ms.lint) : "skipped",
        fmtMs(ms.bundle),
        fmtMs(ms.types),
        fmtMs(ms.client),
        fmtMs(ms.server),
        ratio,
        fmtMs(ms.total),
        fmtKb(row.kb.types),
        fmtKb(row.kb.client),
        fmtKb(row.kb.server),
        row.peakRssMb.toFixed(0),
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

/** Writes one run's outputs and compiles client.ts and server.ts as a consumer would. */
async function typecheck(outputs: Outputs): Promise<string> {
  await writeOutputs(outDir, outputs);
  const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
  const args = ["--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"];
  const files = [path.join(outDir, "client.ts"), path.join(outDir, "server.ts")];
  progress(`typechecking ${files.join(" ")} ...`);
  const started = performance.now();
  const result = await exec(process.execPath, [tsc, ...args, ...files]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const command = `tsc ${args.join(" ")} ${files.join(" ")}`;
  if (result.code === 0) return `\`${command}\`: compiles, no errors (${seconds} s).`;
  const errors = result.stdout.split("\n").filter((line) => /error TS\d+/.test(line));
  const byCode = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const line of errors) {
    const code = /error (TS\d+)/.exec(line)![1]!;
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    const file = line.split("(")[0]!;
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
  }
  return [
    `\`${command}\`: FAILS with ${errors.length} errors (${seconds} s).`,
    "",
    `- by file: ${[...byFile].map(([f, n]) => `${f} ${n}`).join(", ")}`,
    `- by code: ${[...byCode]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ×${n}`)
      .join(", ")}`,
    "- first errors:",
    ...errors.slice(0, 8).map((line) => `    ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`),
  ].join("\n");
}

const large = values.spec ?? (await githubSpec());
const largeLabel = values.spec ? path.basename(values.spec) : `api.github.com (${githubPackage}@${githubVersion})`;
const rows: (Row | { label: string; error: string })[] = [];
let failed = false;

// Our spec first: maxRSS only grows, so its peak is not the large spec's.
for (const [label, spec, n, lint] of [
  [`${ownSpec} (ours)`, ownSpec, 1, true],
  [largeLabel, large, runs, false],
] as const) {
  try {
    rows.push(await bench(label, spec, n, lint));
  } catch (error) {
    failed = true;
    const message = error instanceof Error ? error.message : String(error);
    progress(`${label}: generate() failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
    rows.push({ label, error: message });
  }
}

console.log(table(rows));
console.log();
console.log(
  [
    `Medians over the runs. Steps as generate() reports them through onStep; "total" is the whole call, which also`,
    `covers what no step times (operation models, schema names, the bundle's JSON.stringify, reading the runtimes).`,
    `Lint is skipped on the large spec (lint: false): linting a ~10 MB document is a separate concern, benchmarked apart;`,
    `lint and bundle run in parallel, so on our spec total < lint + bundle + ... is expected.`,
    `(client+server)/types compares median step times. Peak RSS is this process's maxRSS after the row; redocly`,
    `lint and bundle run in child processes and are not in it.`,
  ].join("\n"),
);

if (values.typecheck) {
  const largeRow = rows.find((row): row is Row => row.label === largeLabel && !("error" in row));
  console.log();
  console.log(largeRow ? await typecheck(largeRow.outputs) : "typecheck skipped: the large spec did not generate.");
}

if (failed) process.exit(1);
