// How the client writes parameters and bodies: each query parameter in its own OpenAPI
// style (openapi-fetch alone applies one style to all), form bodies as URL-encoded pairs.
import { essence, isJson } from "./media-types.js";

/** How the spec says one query parameter is written (OpenAPI `style` and `explode`). */
export interface QueryStyle {
  readonly style: "form" | "spaceDelimited" | "pipeDelimited" | "deepObject";
  readonly explode: boolean;
}

function encode(value: unknown): string {
  return encodeURIComponent(String(value));
}

/** Serializes one parameter exactly as its style says; `undefined`/`null` are left out. */
export function serializeParameter(name: string, value: unknown, { style, explode }: QueryStyle): string[] {
  if (value === undefined || value === null) return [];
  const key = encode(name);
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    if (explode && (style === "form" || style === "deepObject")) return value.map((v) => `${key}=${encode(v)}`);
    const separator = style === "spaceDelimited" ? "%20" : style === "pipeDelimited" ? "|" : ",";
    return [`${key}=${value.map(encode).join(separator)}`];
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
    if (style === "deepObject") return entries.map(([k, v]) => `${key}%5B${encode(k)}%5D=${encode(v)}`);
    if (explode) return entries.map(([k, v]) => `${encode(k)}=${encode(v)}`);
    return [`${key}=${entries.map(([k, v]) => `${encode(k)},${encode(v)}`).join(",")}`];
  }
  return [`${key}=${encode(value)}`];
}

/** Builds a query serializer for one operation from its parameters' styles. */
export function querySerializer(styles: Readonly<Record<string, QueryStyle>>): (query: Record<string, unknown>) => string {
  return (query) =>
    Object.entries(query)
      .flatMap(([name, value]) => serializeParameter(name, value, styles[name] ?? { style: "form", explode: true }))
      .join("&");
}

/** JSON bodies as JSON, form bodies as URL-encoded pairs, anything else as given. */
export function bodySerializer(contentType: string | undefined): (body: unknown) => unknown {
  if (contentType === undefined || isJson(contentType)) return (body) => JSON.stringify(body);
  if (essence(contentType) === "application/x-www-form-urlencoded") {
    return (body) =>
      new URLSearchParams(
        Object.entries(body as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
  }
  if (essence(contentType) === "multipart/form-data") return (body) => (body instanceof FormData ? body : formData(body));
  return (body) => body;
}

/** An object as multipart fields: Blobs (files) as they are, lists as repeated fields, the rest as text. */
function formData(body: unknown): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      if (item instanceof Blob) form.append(name, item);
      else form.append(name, typeof item === "object" ? JSON.stringify(item) : String(item));
    }
  }
  return form;
}

/** Cookie parameters as one `Cookie` header value (form style, the only one cookies have). */
export function cookieHeader(cookies: object | undefined): string | undefined {
  const pairs = Object.entries(cookies ?? {})
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => `${name}=${encodeURIComponent(Array.isArray(value) ? value.join(",") : String(value))}`);
  return pairs.length > 0 ? pairs.join("; ") : undefined;
}
