// Which of the spec's paths a request is for, matched as Express's router would match the
// same routes (case-insensitive, one trailing slash allowed, parameters percent-decoded),
// without walking Express's layer stack on every request.
import { badRequest } from "./errors.js";

export type PathParams = Record<string, string>;

export interface PathMatch<T> {
  readonly value: T;
  readonly params: PathParams;
}

const noParams: PathParams = Object.freeze({}) as PathParams;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    const message = `'${name}' is not valid percent-encoding.`;
    throw badRequest([{ field: name, code: "Format", message }]);
  }
}

/** `/items/{id}` as a pattern, with its parameter names in order. */
function templatePattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template.replace(/\{([^}]+)\}|[^{]+/g, (text, name: string | undefined) => {
    if (name === undefined) return escapeRegExp(text);
    names.push(name);
    return "([^/]+?)";
  });
  return { pattern: new RegExp(`^${source}/?$`, "i"), names };
}

/**
 * What answers `method` among a path's operations keyed by method (uppercase, as Node
 * gives it): as Express's router, a HEAD request is answered by GET unless HEAD is declared.
 */
export function forMethod<T>(byMethod: ReadonlyMap<string, T>, method: string): T | undefined {
  return byMethod.get(method) ?? (method === "HEAD" ? byMethod.get("GET") : undefined);
}

/** A path without its one optional trailing slash, lowercased: the key of a template with no parameters. */
function staticKey(path: string): string {
  return (path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path).toLowerCase();
}

/**
 * Looks up a request path among templates: those without parameters in a Map, the rest in
 * order. Throws a 400 when a template matches but a parameter is not valid percent-encoding.
 */
export function pathTable<T>(entries: Iterable<readonly [template: string, value: T]>): (path: string) => PathMatch<T> | undefined {
  const fixed = new Map<string, T>();
  const templated: { pattern: RegExp; names: string[]; value: T }[] = [];
  for (const [template, value] of entries) {
    if (template.includes("{")) templated.push({ ...templatePattern(template), value });
    else fixed.set(staticKey(template), value);
  }
  return (path) => {
    const value = fixed.get(staticKey(path));
    if (value !== undefined) return { value, params: noParams };
    for (const entry of templated) {
      const match = entry.pattern.exec(path);
      if (!match) continue;
      const params: PathParams = {};
      entry.names.forEach((name, index) => {
        params[name] = decodeParam(name, match[index + 1]!);
      });
      return { value: entry.value, params };
    }
    return undefined;
  };
}
