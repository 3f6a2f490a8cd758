// Headers a response gets unless it sets its own (a request id, hardening, no-store),
// written with the head in the one writeHead call that sends it. Set one by one with
// setHeader, each would be checked, lowercased and stored, and then walked again to
// write the head: measured on the customers page, some 8 µs a request for sixteen
// headers, against about 1 for one object handed to writeHead.
import type { OutgoingHttpHeader, ServerResponse } from "node:http";

const pending = Symbol("default-headers.pending");

/** By name, as Node's own setHeader takes them (not the fetch API's `Headers`). */
type HeaderValues = Record<string, OutgoingHttpHeader>;
type Holder = ServerResponse & { [pending]?: HeaderValues };
/** Node's writeHead(statusCode, [statusMessage], [headers]), its overloads as one signature. */
type WriteHead = (this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown) => ServerResponse;

/** Whether an object given to writeHead is the plain form (not Node's [name, value, ...] array). */
const isPlain = (headers: unknown): headers is HeaderValues => typeof headers === "object" && headers !== null && !Array.isArray(headers);

/** writeHead with the response's defaults put in: the hook for one prototype's original. */
function writeHeadWithDefaults(original: WriteHead): WriteHead {
  return function writeHead(this: Holder, statusCode: number, reason?: unknown, given?: unknown) {
    const defaults = this[pending];
    if (defaults === undefined || this.headersSent) return original.call(this, statusCode, reason, given);
    const message = typeof reason === "string" ? reason : undefined;
    const headers = message === undefined ? (reason ?? given) : given;
    if (this.getHeaderNames().length === 0 && (headers === undefined || isPlain(headers))) {
      // Nothing was set one by one: Node writes one object as it is. The given headers go
      // over the defaults, lowercased as the defaults are, so no name appears twice.
      if (headers !== undefined) for (const name of Object.keys(headers)) defaults[name.toLowerCase()] = headers[name]!;
      return original.call(this, statusCode, message, defaults);
    }
    const givenNames = isPlain(headers) ? Object.keys(headers).map((name) => name.toLowerCase()) : [];
    for (const name of Object.keys(defaults)) {
      if (!givenNames.includes(name) && !this.hasHeader(name)) this.setHeader(name, defaults[name]!);
    }
    return original.call(this, statusCode, reason, given);
  };
}

const hooked = new WeakSet<object>();

/**
 * Makes responses with this prototype write their default headers with the head
 * (createHttpServer does it for the app's responses). Idempotent.
 */
export function withDefaultHeaders(prototype: ServerResponse): void {
  if (hooked.has(prototype)) return;
  hooked.add(prototype);
  Object.defineProperty(prototype, "writeHead", {
    value: writeHeadWithDefaults(prototype.writeHead as WriteHead),
    writable: true,
    configurable: true,
  });
}

/**
 * Headers `res` sends unless it sets the same name itself, with setHeader or in writeHead,
 * before or after this call; a later default replaces an earlier one. A response whose
 * prototype is not hooked (an app served by app.listen rather than createHttpServer) gets
 * them at once, with setHeader, keeping what it set itself.
 */
export function setDefaultHeaders(res: ServerResponse, headers: Readonly<HeaderValues>): void {
  const holder = res as Holder;
  holder[pending] ??= {};
  const defaults = holder[pending];
  if (hooked.has(Object.getPrototypeOf(res))) {
    for (const name of Object.keys(headers)) defaults[name.toLowerCase()] = headers[name]!;
    return;
  }
  // Unhooked, `defaults` records what was set as a default: a header holding anything
  // else was set by the response itself.
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const current = res.getHeader(name);
    if (current !== undefined && current !== defaults[lower]) continue;
    res.setHeader(name, headers[name]!);
    defaults[lower] = headers[name]!;
  }
}

/**
 * Every header `res` sends or has sent, defaults included: res.getHeaders() alone misses
 * the defaults written with the head (request logs read this).
 */
export function responseHeaders(res: ServerResponse): Record<string, unknown> {
  return { ...(res as Holder)[pending], ...res.getHeaders() };
}
