// Lenient query binding (ServiceStack's rules): case-insensitive names and enum values,
// comma-joined / repeated / bracketed lists, empty values skipped. The result is written
// back as a canonical query string, which is what express-openapi-validator then checks.
import type { Request, RequestHandler } from "express";
import { badRequest } from "./errors.js";
import type { FieldFailure } from "./handler.js";
import { stateOf } from "./request-state.js";
import type { OperationSpec, QueryParameterSpec } from "./spec.js";

function splitList(raw: string, commaSeparated: boolean): string[] {
  const trimmed = raw.trim();
  const inner = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : raw;
  return (commaSeparated ? inner.split(",") : [inner]).filter((item) => item !== "");
}

function canonicalEnum(value: string, values: readonly string[] | undefined): string {
  if (!values) return value;
  const lower = value.toLowerCase();
  return values.find((candidate) => candidate.toLowerCase() === lower) ?? value;
}

// encodeURIComponent leaves !'()* alone; express-openapi-validator rejects them unencoded.
function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const integerText = /^[+-]?\d+$/;
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The canonical text of one value, or undefined when its text cannot be its type. The
 * validator's coercion takes anything `Number()` takes (`0x10`, `1e309` as Infinity), so
 * numbers are checked here first; surrounding spaces are forgiven, as .NET's parsers do.
 */
function canonicalValue(raw: string, parameter: QueryParameterSpec): string | undefined {
  if (parameter.type === "boolean") {
    const lower = raw.trim().toLowerCase();
    return lower === "true" || lower === "false" ? lower : undefined;
  }
  if (parameter.type === "integer") {
    const text = raw.trim();
    return integerText.test(text) && Number.isSafeInteger(Number(text)) ? String(Number(text)) : undefined;
  }
  if (parameter.type === "number") {
    const text = raw.trim();
    return numberText.test(text) && Number.isFinite(Number(text)) ? text : undefined;
  }
  return canonicalEnum(raw, parameter.enum);
}

function typeError(parameter: QueryParameterSpec): FieldFailure {
  const article = parameter.type === "integer" ? "an" : "a";
  return {
    field: parameter.name,
    code: "Type",
    message: `${parameter.name} must be ${article} ${parameter.type}${parameter.array ? " list" : ""}`,
  };
}

export interface BoundQuery {
  /** The canonical query string the validator checks. */
  readonly query: string;
  /** The same values, typed and with defaults applied: what the handler receives. */
  readonly values: Record<string, unknown>;
  readonly errors: FieldFailure[];
}

function typed(text: string, parameter: QueryParameterSpec): unknown {
  if (parameter.type === "boolean") return text === "true";
  if (parameter.type === "integer" || parameter.type === "number") return Number(text);
  return text;
}

/** Binds a raw query string leniently; pure, so it is tested on its own. */
export function bindQuery(rawQuery: string, parameters: readonly QueryParameterSpec[], maxPairs = 256): BoundQuery {
  const byLowerName = new Map(parameters.map((p) => [p.name.toLowerCase(), p]));
  const values = new Map<QueryParameterSpec, string[]>();
  const errors: FieldFailure[] = [];
  const pairs = [...new URLSearchParams(rawQuery)];
  if (pairs.length > maxPairs) {
    return {
      query: "",
      values: {},
      errors: [{ field: "query", code: "TooManyParameters", message: `At most ${maxPairs} query parameters are allowed` }],
    };
  }
  for (const [name, value] of pairs) {
    if (value === "" || name === "") continue;
    const parameter = byLowerName.get(name.toLowerCase());
    if (!parameter) {
      if (!errors.some((e) => e.field === name)) {
        errors.push({ field: name, code: "UnknownParameter", message: `Unknown query parameter '${name}'` });
      }
      continue;
    }
    const list = values.get(parameter) ?? [];
    if (!parameter.array && list.length > 0) {
      errors.push({ field: parameter.name, code: "Repeated", message: `Query parameter '${parameter.name}' is given more than once` });
      continue;
    }
    const raw = parameter.array ? splitList(value, parameter.commaSeparated) : [value];
    const canonical = raw.map((item) => canonicalValue(item, parameter));
    if (canonical.some((item) => item === undefined)) {
      if (!errors.some((e) => e.field === parameter.name)) errors.push(typeError(parameter));
      continue;
    }
    list.push(...(canonical as string[]));
    values.set(parameter, list);
  }
  const parts: string[] = [];
  const result: Record<string, unknown> = {};
  for (const parameter of parameters) {
    const list = values.get(parameter);
    if (!list || list.length === 0) {
      if (parameter.default !== undefined) result[parameter.name] = parameter.default;
      continue;
    }
    const name = encodeStrict(parameter.name);
    if (parameter.array && parameter.commaSeparated) parts.push(`${name}=${list.map(encodeStrict).join(",")}`);
    else for (const value of list) parts.push(`${name}=${encodeStrict(value)}`);
    result[parameter.name] = parameter.array ? list.map((v) => typed(v, parameter)) : typed(list[0]!, parameter);
  }
  return { query: parts.join("&"), values: result, errors };
}

export function queryBinder(operation: OperationSpec, maxPairs: number): RequestHandler {
  return (req, _res, next) => {
    const at = req.url.indexOf("?");
    const { query, values, errors } = bindQuery(at === -1 ? "" : req.url.slice(at + 1), operation.query, maxPairs);
    const tooMany = errors.find((e) => e.code === "TooManyParameters");
    if (tooMany) return next(badRequest([tooMany]));
    const path = at === -1 ? req.url : req.url.slice(0, at);
    const originalAt = req.originalUrl.indexOf("?");
    const originalPath = originalAt === -1 ? req.originalUrl : req.originalUrl.slice(0, originalAt);
    const state = stateOf(req);
    state.originalUrl = req.originalUrl;
    state.bindingErrors = errors;
    state.query = values;
    req.url = query ? `${path}?${query}` : path;
    // The validator re-reads the raw query from originalUrl; it must see the canonical one.
    req.originalUrl = query ? `${originalPath}?${query}` : originalPath;
    next();
  };
}

/** The URL as the client sent it, before lenient binding rewrote it (for logs). */
export function clientUrl(req: Request): string {
  return stateOf(req).originalUrl ?? req.originalUrl;
}
