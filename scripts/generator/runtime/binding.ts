// Lenient query binding (ServiceStack's rules): case-insensitive names and enum values,
// comma-joined / repeated / bracketed lists, empty values skipped. Where
// express-openapi-validator checks the request, the result is written back as a canonical
// query string for it to read.
import type { Request } from "express";
import { badRequest } from "./errors.js";
import type { FieldFailure } from "./handler.js";
import { stateOf } from "./request-state.js";
import type { OperationSpec, QueryParameterSpec } from "./spec.js";
import type { Step } from "./step-chain.js";
import { canonicalValue, encodeStrict, typed, typeError } from "./values.js";

function splitList(raw: string, delimiter: string | undefined): string[] {
  const trimmed = raw.trim();
  const inner = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : raw;
  return (delimiter ? inner.split(delimiter) : [inner]).filter((item) => item !== "");
}

export interface BoundQuery {
  /** The canonical query string the validator checks. */
  readonly query: string;
  /** The same values, typed and with defaults applied: what the handler receives. */
  readonly values: Record<string, unknown>;
  readonly errors: FieldFailure[];
}

/**
 * Lenient binding of one operation's query, set up once: the returned function binds a
 * raw query string; it is pure, so it is tested on its own.
 */
export function queryBinding(
  parameters: readonly QueryParameterSpec[],
  maxPairs = 256,
  /** Names that are not parameters but are expected (an API key in the query), lowercased. */
  passThrough: ReadonlySet<string> = new Set(),
): (rawQuery: string) => BoundQuery {
  const byLowerName = new Map(parameters.map((p) => [p.name.toLowerCase(), p]));
  return (rawQuery) => {
    const values = new Map<QueryParameterSpec, string[]>();
    const errors: FieldFailure[] = [];
    const pairs = [...new URLSearchParams(rawQuery)];
    if (pairs.length > maxPairs) {
      return {
        query: "",
        values: {},
        errors: [{ field: "query", code: "TooManyParameters", message: `At most ${maxPairs} query parameters are allowed.` }],
      };
    }
    for (const [name, value] of pairs) {
      if (value === "" || name === "") continue;
      const parameter = byLowerName.get(name.toLowerCase());
      if (!parameter) {
        if (passThrough.has(name.toLowerCase())) continue;
        if (!errors.some((e) => e.field === name)) {
          errors.push({ field: name, code: "NotAllowed", message: `'${name}' is not a parameter of this operation.` });
        }
        continue;
      }
      const list = values.get(parameter) ?? [];
      if (!parameter.array && list.length > 0) {
        errors.push({ field: parameter.name, code: "Repeated", message: `'${parameter.name}' is given more than once.` });
        continue;
      }
      const raw = parameter.array ? splitList(value, parameter.delimiter) : [value];
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
      // The validator is handed form style for every list (see router.ts): commas, whatever the spec's delimiter.
      if (parameter.array && parameter.delimiter) parts.push(`${name}=${list.map(encodeStrict).join(",")}`);
      else for (const value of list) parts.push(`${name}=${encodeStrict(value)}`);
      result[parameter.name] = parameter.array ? list.map((v) => typed(v, parameter)) : typed(list[0]!, parameter);
    }
    return { query: parts.join("&"), values: result, errors };
  };
}

/**
 * Binds the query into the request state. `rewrite`: express-openapi-validator checks this
 * operation's request too (it has a body or header parameters), and reads the query from
 * the URL, so the URL is given the canonical query; otherwise it is left as the client sent it.
 */
export function queryBinder(operation: OperationSpec, maxPairs: number, passThrough: ReadonlySet<string>, rewrite: boolean): Step {
  const bindQuery = queryBinding(operation.query, maxPairs, passThrough);
  return (req) => {
    const at = req.url.indexOf("?");
    const { query, values, errors } = bindQuery(at === -1 ? "" : req.url.slice(at + 1));
    const tooMany = errors.find((e) => e.code === "TooManyParameters");
    if (tooMany) throw badRequest([tooMany]);
    const state = stateOf(req);
    state.bindingErrors = errors;
    state.query = values;
    if (rewrite) {
      const path = at === -1 ? req.url : req.url.slice(0, at);
      const originalAt = req.originalUrl.indexOf("?");
      const originalPath = originalAt === -1 ? req.originalUrl : req.originalUrl.slice(0, originalAt);
      state.originalUrl = req.originalUrl;
      req.url = query ? `${path}?${query}` : path;
      // The validator re-reads the raw query from originalUrl; it must see the canonical one.
      req.originalUrl = query ? `${originalPath}?${query}` : originalPath;
    }
  };
}

/** The URL as the client sent it, before lenient binding rewrote it (for logs). */
export function clientUrl(req: Request): string {
  return stateOf(req).originalUrl ?? req.originalUrl;
}
