// The breaking-change gate: `npm run spec:diff -- [--base REF] [--spec FILE]`.
//
// Compares the spec at a git ref with the working copy, both bundled by Redocly, lists
// every change to the API, and exits 1 when one would break existing clients, unless
// info.version's MAJOR number was bumped (the designer said so deliberately).
//
// The comparison and its classification are api-smart-diff's (OpenAPI 3.x aware, and
// it knows request from response for required, enums, bounds and content types). Tried
// on the fixtures in test/fixtures/spec-diff, it gets three things wrong, and only those
// are judged here instead (see "Supplementary rules" below):
//   - `type`: compared position by position, and a changed query-parameter type is never
//     breaking; so a 3.1 type array that gains "null" in a response, or number narrowed
//     to integer in a request, passed as non-breaking.
//   - a removed optional response property is non-breaking to it; clients reading it break.
//   - a removed response enum value is non-breaking to it; clients that match on it (or
//     send it back) break.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { apiCompare } from "api-smart-diff";
import { bundle, SpecError } from "../generator/redocly.js";

type Key = string | number;
type Json = unknown;
type Side = "request" | "response";

export interface Change {
  breaking: boolean;
  /** Where a client meets it: operation, then parameter / body / response, then schema path. */
  location: string;
  /** What changed, with the values before and after. */
  text: string;
  /** JSON pointer into the base document (into the new one for additions). */
  pointer: string;
  /** Why a supplementary rule, not the tool, decided `breaking`. */
  rule?: string;
  /** The tool's own class when it is not plain breaking / non-breaking. */
  tag?: string;
}

/** One diff as api-smart-diff reports it; paths follow the base document's keys. */
interface ToolDiff {
  type: string;
  action: "add" | "remove" | "replace" | "rename";
  path: readonly Key[];
  before?: Json;
  after?: Json;
}

// ---------------------------------------------------------------------------------------
// Reading documents and paths

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolveRef(doc: Json, value: Json, seen = new Set<string>()): Json {
  if (!isObject(value) || typeof value.$ref !== "string" || !value.$ref.startsWith("#/") || seen.has(value.$ref)) return value;
  seen.add(value.$ref);
  const target = value.$ref
    .slice(2)
    .split("/")
    .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<Json>((node, key) => (isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined), doc);
  return resolveRef(doc, target, seen);
}

/** The value at a path, following local $refs on the way, as the tool's paths do. */
export function valueAt(doc: Json, keys: readonly Key[]): Json {
  let node = resolveRef(doc, doc);
  for (const key of keys) {
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[String(key)];
    else return undefined;
    node = resolveRef(doc, node);
  }
  return node;
}

export function pointer(keys: readonly Key[]): string {
  return `#/${keys.map((k) => String(k).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
}

/** Request or response, from where a diff sits in `paths`; undefined elsewhere. */
export function sideOf(keys: readonly Key[]): Side | undefined {
  if (keys[0] !== "paths") return undefined;
  if (keys[3] === "responses") return "response";
  if (keys[3] === "parameters" || keys[3] === "requestBody") return "request";
  return undefined;
}

/** Index of the `schema` key that starts the JSON Schema part of a path, or -1. */
function schemaStart(keys: readonly Key[]): number {
  if (sideOf(keys) === undefined) return -1;
  return keys.indexOf("schema", 4);
}

interface SchemaStep {
  keyword: string;
  arg?: Key;
}

const namedKeywords = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
const indexedKeywords = new Set(["allOf", "anyOf", "oneOf", "prefixItems", "enum", "required", "type", "examples"]);

/** A path inside a schema as keywords, so a property called "properties" is not a keyword. */
export function schemaSteps(keys: readonly Key[]): SchemaStep[] {
  const steps: SchemaStep[] = [];
  for (let i = 0; i < keys.length; i++) {
    const keyword = String(keys[i]);
    const takesArg = namedKeywords.has(keyword) || indexedKeywords.has(keyword);
    if (takesArg && i + 1 < keys.length) steps.push({ keyword, arg: keys[++i]! });
    else steps.push({ keyword });
  }
  return steps;
}

function schemaPathText(steps: readonly SchemaStep[]): string {
  let text = "";
  for (const { keyword, arg } of steps) {
    if (keyword === "properties") text += text === "" ? String(arg) : `.${String(arg)}`;
    else if (keyword === "items") text += "[]";
    else if (keyword === "additionalProperties") text += "{*}";
    else text += `${text === "" ? "" : "."}${keyword}${arg === undefined ? "" : `[${String(arg)}]`}`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------
// Describing a change: where a client meets it, and what it is

function short(value: Json): string {
  if (value === undefined) return "none";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parameterName(diff: ToolDiff, base: Json): string {
  const own = diff.path.length === 5 && diff.action === "add" ? diff.after : valueAt(base, diff.path.slice(0, 5));
  return isObject(own) ? `${String(own.in)} parameter ${String(own.name)}` : `parameter ${String(diff.path[4])}`;
}

/** "GET /customers › query parameter x" etc.; the schema part is left to changeText. */
export function locationOf(diff: ToolDiff, base: Json): string {
  const keys = diff.path;
  if (keys[0] !== "paths" || keys.length < 2) return keys.length === 0 ? "document" : keys.map(String).join(".");
  if (keys.length === 2) return `path ${String(keys[1])}`;
  const parts = [`${String(keys[2]).toUpperCase()} ${String(keys[1])}`];
  if (keys[3] === "parameters" && keys.length > 4) parts.push(parameterName(diff, base));
  else if (keys[3] === "requestBody" && keys[4] === "content" && keys.length > 5) parts.push(`request body ${String(keys[5])}`);
  else if (keys[3] === "requestBody" && keys.length > 4) parts.push("request body");
  else if (keys[3] === "responses" && keys.length > 4) {
    parts.push(`response ${String(keys[4])}`);
    if (keys[5] === "content" && keys.length > 6) parts.push(String(keys[6]));
    else if (keys[5] === "headers" && keys.length > 6) parts.push(`header ${String(keys[6])}`);
  }
  const start = schemaStart(keys);
  if (start !== -1) {
    const field = schemaPathText(schemaSteps(keys.slice(start + 1)).slice(0, -1));
    if (field !== "") parts.push(field);
  }
  return parts.join(" › ");
}

const verbs = { add: "added", remove: "removed", replace: "changed", rename: "renamed" } as const;

/** What the last step of the path is, in words: "operation removed", "maximum: 100 → 50". */
export function changeText(diff: ToolDiff): string {
  const keys = diff.path;
  const verb = verbs[diff.action];
  const values = diff.action === "replace" || diff.action === "rename" ? `: ${short(diff.before)} → ${short(diff.after)}` : "";
  if (keys[0] === "paths" && keys.length === 3) return `operation ${verb}`;
  if (keys[0] === "paths" && keys.length === 2) return `path ${verb}`;
  if (keys[3] === "parameters" && keys.length === 5) return `parameter ${verb}`;
  if (keys[3] === "responses" && keys.length === 5) return `response ${verb}`;
  if (keys[5] === "content" && keys.length === 7 && keys[3] === "responses") return `content type ${verb}`;
  if (keys[4] === "content" && keys.length === 6 && keys[3] === "requestBody") return `content type ${verb}`;
  const start = schemaStart(keys);
  const last = start !== -1 ? schemaSteps(keys.slice(start + 1)).at(-1) : undefined;
  if (last?.keyword === "properties" && last.arg !== undefined && diff.action !== "replace") return `property ${String(last.arg)} ${verb}`;
  if (keys.at(-1) === "required" && typeof (diff.after ?? diff.before) === "boolean")
    return diff.after === true ? "made required" : "made optional";
  if (last?.keyword === "enum" && last.arg !== undefined) {
    if (diff.action === "replace") return `enum value changed${values}`;
    return `enum value ${short(diff.action === "add" ? diff.after : diff.before)} ${verb}`;
  }
  if (last?.keyword === "required" && last.arg !== undefined && diff.action !== "replace") {
    return `${short(diff.action === "add" ? diff.after : diff.before)} made ${diff.action === "add" ? "required" : "optional"}`;
  }
  const name = last?.keyword ?? String(keys.at(-1));
  if (diff.action === "add") return `${name} added: ${short(diff.after)}`;
  if (diff.action === "remove") return `${name} removed (was ${short(diff.before)})`;
  return `${name}${values}`;
}

// ---------------------------------------------------------------------------------------
// Supplementary rules: the three cases api-smart-diff misclassifies (see the top)

/** JSON Schema `type` as a set; undefined means any type. */
export function typeSet(value: Json): Set<string> | undefined {
  if (typeof value === "string") return new Set([value]);
  if (Array.isArray(value)) return new Set(value.map(String));
  return undefined;
}

function admits(types: Set<string> | undefined, type: string): boolean {
  return types === undefined || types.has(type) || (type === "integer" && types.has("number"));
}

/** True when some value valid under `from` is no longer valid under `to`. */
export function typeNarrowed(from: Set<string> | undefined, to: Set<string> | undefined): boolean {
  if (to === undefined) return false;
  if (from === undefined) return true;
  return [...from].some((type) => !admits(to, type));
}

/**
 * A request that accepted fewer types breaks callers sending the dropped ones; a
 * response that may hold more types breaks clients that parse the old ones only.
 */
export function typeChangeBreaks(side: Side, before: Json, after: Json): boolean {
  const from = typeSet(before);
  const to = typeSet(after);
  return side === "request" ? typeNarrowed(from, to) : typeNarrowed(to, from);
}

/** The path of the schema whose `type` a diff touches (`.../type` or `.../type/2`), or undefined. */
export function typeOwner(keys: readonly Key[]): readonly Key[] | undefined {
  const start = schemaStart(keys);
  if (start === -1) return undefined;
  const last = schemaSteps(keys.slice(start + 1)).at(-1);
  if (last?.keyword !== "type") return undefined;
  return keys.slice(0, keys.lastIndexOf("type"));
}

/** The `type` after the tool's diffs at one schema: whole replacements or element edits. */
export function typeAfter(before: Json, diffs: readonly ToolDiff[]): Json {
  const whole = diffs.find((d) => d.path.at(-1) === "type");
  if (whole) return whole.action === "remove" ? undefined : whole.after;
  const items = Array.isArray(before) ? [...(before as Json[])] : before === undefined ? [] : [before];
  const removed = new Set<number>();
  const added: Json[] = [];
  for (const d of diffs) {
    const index = Number(d.path.at(-1));
    if (d.action === "remove") removed.add(index);
    else if (d.action === "add") added.push(d.after);
    else items[index] = d.after;
  }
  return [...items.filter((_, i) => !removed.has(i)), ...added];
}

function typeChange(owner: readonly Key[], diffs: readonly ToolDiff[], base: Json): Change | undefined {
  const before = valueAt(base, [...owner, "type"]);
  // A path the base document cannot follow (allOf merged by the tool, say): keep the tool's word.
  if (before === undefined && diffs.some((d) => d.action !== "add")) return undefined;
  const after = typeAfter(before, diffs);
  const breaking = typeChangeBreaks(sideOf(owner)!, before, after);
  const first = diffs[0]!;
  return {
    breaking,
    location: locationOf({ ...first, path: [...owner, "type"] }, base),
    text: `type: ${short(before)} → ${short(after)}`,
    pointer: pointer([...owner, "type"]),
    rule: !breaking
      ? "type judged by set inclusion"
      : sideOf(owner) === "request"
        ? "a request type that accepts less breaks callers"
        : "a response type that may hold more breaks clients",
  };
}

/** Response removals the tool lets pass: a property, or an enum value clients match on. */
export function responseRemovalRule(diff: ToolDiff): string | undefined {
  if (diff.action !== "remove" || sideOf(diff.path) !== "response") return undefined;
  const start = schemaStart(diff.path);
  if (start === -1) return undefined;
  const last = schemaSteps(diff.path.slice(start + 1)).at(-1);
  if (last?.keyword === "properties" && last.arg !== undefined) return "a removed response property breaks clients that read it";
  if (last?.keyword === "enum" && last.arg !== undefined)
    return "a removed response enum value breaks clients that match on it or send it back";
  return undefined;
}

// ---------------------------------------------------------------------------------------
// The comparison

// Reached through $ref, so each change is reported (and judged per side) at every
// operation that uses it; the component itself would only say it twice, side-blind.
const inlinedComponents = new Set([
  "schemas",
  "parameters",
  "responses",
  "requestBodies",
  "headers",
  "examples",
  "links",
  "callbacks",
  "pathItems",
]);

function isInlinedComponent(keys: readonly Key[]): boolean {
  return keys[0] === "components" && inlinedComponents.has(String(keys[1]));
}

function toolChange(diff: ToolDiff, base: Json): Change {
  const rule = responseRemovalRule(diff);
  const tag = diff.type === "breaking" || diff.type === "non-breaking" ? undefined : diff.type;
  return {
    breaking: diff.type === "breaking" || rule !== undefined,
    location: locationOf(diff, base),
    text: changeText(diff),
    pointer: pointer(diff.path),
    ...(rule !== undefined && diff.type !== "breaking" ? { rule } : {}),
    ...(tag !== undefined ? { tag } : {}),
  };
}

/** Every change from base to head, classified; both documents bundled (local refs only). */
export function diffSpecs(base: Json, head: Json): Change[] {
  const diffs = (apiCompare(base, head).diffs as ToolDiff[]).filter((d) => !isInlinedComponent(d.path));
  const byTypeOwner = new Map<string, { owner: readonly Key[]; diffs: ToolDiff[] }>();
  const rest: ToolDiff[] = [];
  for (const diff of diffs) {
    const owner = typeOwner(diff.path);
    if (!owner) {
      rest.push(diff);
      continue;
    }
    const key = pointer(owner);
    const group = byTypeOwner.get(key) ?? { owner, diffs: [] };
    group.diffs.push(diff);
    byTypeOwner.set(key, group);
  }
  const changes = rest.map((d) => toolChange(d, base));
  for (const { owner, diffs: group } of byTypeOwner.values()) {
    const judged = typeChange(owner, group, base);
    if (judged) changes.push(judged);
    else changes.push(...group.map((d) => toolChange(d, base)));
  }
  return changes.sort((a, b) => a.location.localeCompare(b.location) || a.pointer.localeCompare(b.pointer));
}

// ---------------------------------------------------------------------------------------
// Acknowledgement and report

function major(version: Json): number | undefined {
  const match = /^v?(\d+)\./.exec(String(version ?? ""));
  return match ? Number(match[1]) : undefined;
}

function versionOf(doc: Json): Json {
  return isObject(doc) && isObject(doc.info) ? doc.info.version : undefined;
}

/** Breaking changes are deliberate when info.version's MAJOR number went up (semver). */
export function majorBumped(base: Json, head: Json): boolean {
  const before = major(versionOf(base));
  const after = major(versionOf(head));
  return before !== undefined && after !== undefined && after > before;
}

function changeLine(change: Change, mark: string): string {
  const notes = [change.tag, change.rule ? `rule: ${change.rule}` : undefined].filter(Boolean);
  return `  ${mark} ${change.location}: ${change.text}${notes.length ? `  [${notes.join("; ")}]` : ""}\n      ${change.pointer}`;
}

export function report(changes: readonly Change[], acknowledged: boolean, versions: [Json, Json]): { text: string; exitCode: number } {
  const breaking = changes.filter((c) => c.breaking);
  const other = changes.filter((c) => !c.breaking);
  const lines: string[] = [];
  if (changes.length === 0) lines.push("No changes to the API.");
  if (breaking.length) lines.push(`Breaking changes (${breaking.length}):`, ...breaking.map((c) => changeLine(c, "✗")), "");
  if (other.length) lines.push(`Non-breaking changes (${other.length}):`, ...other.map((c) => changeLine(c, "•")), "");
  const [from, to] = versions.map((v) => String(v ?? "?"));
  if (breaking.length && acknowledged) {
    lines.push(`Accepted: info.version's major number went up (${from} → ${to}), so these breaking changes are deliberate.`);
  } else if (breaking.length) {
    lines.push(
      `${breaking.length} breaking change${breaking.length === 1 ? "" : "s"}. Keep existing clients working, or bump info.version's major number (now ${to}, base ${from}) to release them deliberately.`,
    );
  }
  return { text: lines.join("\n"), exitCode: breaking.length && !acknowledged ? 1 : 0 };
}

// ---------------------------------------------------------------------------------------
// Git: the spec as it was at a ref

function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(" ")}: ${stderr.toString().trim() || error.message}`));
      else resolve(stdout.toString());
    });
  });
}

async function succeeds(args: string[], cwd: string): Promise<boolean> {
  return git(args, cwd).then(
    () => true,
    () => false,
  );
}

/** Where a branch started from main; on main itself (or with no main) that is HEAD. */
export async function defaultBase(cwd: string): Promise<string> {
  const base = (await git(["merge-base", "HEAD", "main"], cwd).catch(() => "")).trim();
  const head = (await git(["rev-parse", "HEAD"], cwd).catch(() => "")).trim();
  return base === "" || base === head ? "HEAD" : base;
}

/**
 * Extracts the spec's top folder (and redocly.yaml) as they were at `ref` into `dir`
 * and returns the spec's path there, or undefined when the spec did not exist at `ref`.
 */
export async function checkout(ref: string, specFromRoot: string, dir: string, root: string): Promise<string | undefined> {
  if (!(await succeeds(["cat-file", "-e", `${ref}:${specFromRoot}`], root))) return undefined;
  const top = specFromRoot.includes("/") ? specFromRoot.split("/")[0]! : ".";
  const extra = top !== "." && (await succeeds(["cat-file", "-e", `${ref}:redocly.yaml`], root)) ? ["redocly.yaml"] : [];
  const archive = path.join(dir, "base.tar");
  await git(["archive", "--format=tar", `--output=${archive}`, ref, "--", top, ...extra], root);
  await new Promise<void>((resolve, reject) => {
    execFile("tar", ["-x", "-f", archive, "-C", dir], (error) => (error ? reject(error) : resolve()));
  });
  return path.join(dir, specFromRoot);
}

// ---------------------------------------------------------------------------------------
// CLI

const usage = `Usage: npm run spec:diff -- [--base REF] [--spec FILE]

Compares the spec at git REF (default: the merge base with main, else HEAD) with the
working copy and exits 1 on a change that breaks existing clients, unless info.version's
major number was bumped.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { base: { type: "string" }, spec: { type: "string", default: "openapi/openapi.yaml" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const cwd = process.cwd();
  const spec = values.spec!;
  const ref = values.base ?? (await defaultBase(cwd));
  const root = (await git(["rev-parse", "--show-toplevel"], cwd)).trim();
  const specFromRoot = path.relative(root, path.resolve(spec)).split(path.sep).join("/");
  const dir = await mkdtemp(path.join(tmpdir(), "spec-diff-"));
  try {
    const baseSpec = await checkout(ref, specFromRoot, dir, root);
    if (!baseSpec) {
      console.log(`${spec} does not exist at ${ref}: nothing to compare, so nothing breaks.`);
      return 0;
    }
    const [base, head] = await Promise.all([bundle(baseSpec), bundle(spec)]);
    console.log(`${spec}: ${ref} → working copy\n`);
    const { text, exitCode } = report(diffSpecs(base, head), majorBumped(base, head), [versionOf(base), versionOf(head)]);
    console.log(text);
    return exitCode;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof SpecError || error instanceof Error ? error.message : String(error));
      process.exitCode = 2;
    },
  );
}
