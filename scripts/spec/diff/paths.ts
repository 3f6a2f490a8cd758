// Reading bundled documents and api-smart-diff's paths: values through local $refs, JSON
// pointers, request or response side, and the keywords of a path inside a schema.
export type Key = string | number;
export type Json = unknown;
export type Side = "request" | "response";

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
export interface ToolDiff {
  type: string;
  action: "add" | "remove" | "replace" | "rename";
  path: readonly Key[];
  before?: Json;
  after?: Json;
}

export function isObject(value: Json): value is Record<string, Json> {
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
export function schemaStart(keys: readonly Key[]): number {
  if (sideOf(keys) === undefined) return -1;
  return keys.indexOf("schema", 4);
}

export interface SchemaStep {
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

export function schemaPathText(steps: readonly SchemaStep[]): string {
  let text = "";
  for (const { keyword, arg } of steps) {
    if (keyword === "properties") text += text === "" ? String(arg) : `.${String(arg)}`;
    else if (keyword === "items") text += "[]";
    else if (keyword === "additionalProperties") text += "{*}";
    else text += `${text === "" ? "" : "."}${keyword}${arg === undefined ? "" : `[${String(arg)}]`}`;
  }
  return text;
}
