// The three cases api-smart-diff misclassifies, judged here instead (see spec-diff.ts):
// `type` compared as a set per side, and removals from responses.
import { locationOf, short } from "./describe.js";
import { type Change, type Json, type Key, pointer, schemaStart, schemaSteps, type Side, sideOf, type ToolDiff, valueAt } from "./paths.js";

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

export function typeChange(owner: readonly Key[], diffs: readonly ToolDiff[], base: Json): Change | undefined {
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
