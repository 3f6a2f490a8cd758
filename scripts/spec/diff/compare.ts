// Every change from one bundled document to another, classified: api-smart-diff's
// comparison, with the supplementary rules of rules.ts where it errs.
import { apiCompare } from "api-smart-diff";
import { changeText, locationOf } from "./describe.js";
import { type Change, type Json, type Key, pointer, type ToolDiff } from "./paths.js";
import { responseRemovalRule, typeChange, typeOwner } from "./rules.js";

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
