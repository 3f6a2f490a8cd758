// A change in words: where a client meets it ("GET /customers › query parameter x") and
// what happened to it ("maximum: 100 → 50").
import { isObject, type Json, schemaPathText, schemaStart, schemaSteps, type ToolDiff, valueAt } from "./paths.js";

export function short(value: Json): string {
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
