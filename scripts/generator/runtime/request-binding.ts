// Path and cookie parameters, bound like the query: each value's text checked and typed.
// Path parameters in `label` or `matrix` style are rewritten to `simple` style in the URL
// the validator reads, because express-openapi-validator knows only `simple` paths (it
// rejects a non-exploded `label` list outright); router.ts hands it a spec that says so.
import type { Request } from "express";
import type { FieldFailure } from "./handler.js";
import { stateOf } from "./request-state.js";
import type { OperationSpec, PathParameterSpec, ValueSpec } from "./spec.js";
import type { Step } from "./step-chain.js";
import { canonicalValue, encodeStrict, typed, typeError } from "./values.js";

/** The items of one path value as its style writes them, or undefined when it is not in that style. */
function pathItems(raw: string, parameter: PathParameterSpec): string[] | undefined {
  let text = raw;
  let separator = ",";
  if (parameter.style === "label") {
    if (!text.startsWith(".")) return undefined;
    text = text.slice(1);
    separator = parameter.explode ? "." : ",";
  } else if (parameter.style === "matrix") {
    const prefix = `;${parameter.name}=`;
    if (!text.startsWith(prefix)) return undefined;
    text = text.slice(prefix.length);
    separator = parameter.explode ? prefix : ",";
  }
  return parameter.array ? text.split(separator) : [text];
}

function styleError(parameter: PathParameterSpec): FieldFailure {
  const example = parameter.style === "label" ? ".value" : `;${parameter.name}=value`;
  return {
    field: parameter.name,
    code: "Format",
    message: `'${parameter.name}' must be written in ${parameter.style} style (${example}).`,
  };
}

export interface BoundValues {
  /** Typed values, as the handler receives them. */
  readonly values: Record<string, unknown>;
  /** Each path value in `simple` style, percent-encoded, for the URL the validator reads. */
  readonly simple: Record<string, string>;
  readonly errors: FieldFailure[];
}

function bindOne(parameter: ValueSpec, items: string[], bound: BoundValues): void {
  const canonical = items.map((item) => canonicalValue(item, parameter));
  if (canonical.some((item) => item === undefined)) {
    bound.errors.push(typeError(parameter));
    return;
  }
  const texts = canonical as string[];
  bound.values[parameter.name] = parameter.array ? texts.map((t) => typed(t, parameter)) : typed(texts[0]!, parameter);
  bound.simple[parameter.name] = texts.map(encodeStrict).join(",");
}

/** Binds path parameters as Express matched them (already percent-decoded); pure. */
export function bindPath(params: Readonly<Record<string, string | undefined>>, parameters: readonly PathParameterSpec[]): BoundValues {
  const bound: BoundValues = { values: {}, simple: {}, errors: [] };
  for (const parameter of parameters) {
    const raw = params[parameter.name];
    if (raw === undefined) continue;
    const items = pathItems(raw, parameter);
    if (items) bindOne(parameter, items, bound);
    else bound.errors.push(styleError(parameter));
  }
  return bound;
}

/** Cookie pairs of a `Cookie` header; the first of a repeated name wins, as browsers order them. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name && !Object.hasOwn(cookies, name)) {
      try {
        cookies[name] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        cookies[name] = part.slice(eq + 1).trim();
      }
    }
  }
  return cookies;
}

/** Replaces the parameter segments at the end of `pathname` (the route's own) with their simple form. */
function simplePath(pathname: string, template: string, simple: Record<string, string>): string {
  const segments = pathname.split("/");
  const templateSegments = template.split("/");
  const offset = segments.length - templateSegments.length - (pathname.endsWith("/") && !template.endsWith("/") ? 1 : 0);
  if (offset < 0) return pathname;
  templateSegments.forEach((segment, index) => {
    if (segment.includes("{")) segments[offset + index] = segment.replace(/\{([^}]+)\}/g, (_m, name: string) => simple[name] ?? "");
  });
  return segments.join("/");
}

function withPath(url: string, rewrite: (pathname: string) => string): string {
  const at = url.indexOf("?");
  return at === -1 ? rewrite(url) : `${rewrite(url.slice(0, at))}${url.slice(at)}`;
}

export function requestBinder(operation: OperationSpec): Step {
  const restyle = operation.pathParameters.some((p) => p.style !== "simple");
  return (req) => {
    const state = stateOf(req);
    const path = bindPath(req.params as Record<string, string | undefined>, operation.pathParameters);
    const cookies = parseCookies(req.get("cookie"));
    // express-openapi-validator reads req.cookies, which only cookie-parser would set.
    (req as Request & { cookies?: Record<string, string> }).cookies ??= cookies;
    const cookieValues: BoundValues = { values: {}, simple: {}, errors: [] };
    for (const cookie of operation.cookies) {
      const value = cookies[cookie.name];
      if (value !== undefined && value !== "") bindOne(cookie, cookie.array ? value.split(",") : [value], cookieValues);
    }
    state.path = path.values;
    state.cookies = cookieValues.values;
    state.bindingErrors = [...(state.bindingErrors ?? []), ...path.errors, ...cookieValues.errors];
    if (restyle && path.errors.length === 0) {
      const rewrite = (pathname: string) => simplePath(pathname, operation.path, path.simple);
      req.url = withPath(req.url, rewrite);
      req.originalUrl = withPath(req.originalUrl, rewrite);
    }
  };
}

/**
 * A form-urlencoded body is all text; JSON Schema types its fields. Each non-string field
 * whose text is its type is converted, so `price=9.5` validates as a number; text that is
 * not (`price=cheap`) is left for the validator to report.
 */
export function formBodyTyper(operation: OperationSpec): Step {
  const fields = Object.entries(operation.formFields ?? {});
  return (req) => {
    if (req.is("application/x-www-form-urlencoded") && req.body && typeof req.body === "object") {
      const body = req.body as Record<string, unknown>;
      for (const [name, type] of fields) {
        const text = body[name];
        const spec: ValueSpec = { name, array: false, type };
        const canonical = typeof text === "string" ? canonicalValue(text, spec) : undefined;
        if (canonical !== undefined) body[name] = typed(canonical, spec);
      }
    }
  };
}
