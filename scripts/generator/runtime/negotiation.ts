// Content negotiation and sending: which declared content type answers, and how a body
// of that type is written (JSON validated through res.json, streams piped).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Request, Response } from "express";
import { RouterError } from "./errors.js";
import { isJsonStream } from "./json-stream.js";
import { JsonText } from "./json-text.js";
import { isJson } from "./media-types.js";
import { stateOf } from "./request-state.js";
import type { OperationSpec } from "./spec.js";

/**
 * Chooses the response content type: the format parameter first, then Accept, then the
 * first declared. When Accept matches nothing offered, RFC 9110 lets a server send its
 * default anyway; an operation that declares a 406 response gets a 406 instead.
 */
export function negotiate(req: Request, operation: OperationSpec, offered: readonly string[]): string {
  const fallback = offered[0] ?? "application/json";
  if (operation.formatParameter) {
    // As the binder typed it: names matched case-insensitively, as the handler sees it.
    const format = stateOf(req).query?.[operation.formatParameter];
    if (typeof format === "string") {
      const wanted = format.toLowerCase();
      const match = offered.find((type) => {
        const subtype = type.split("/")[1]?.split(";")[0] ?? "";
        return subtype === wanted || subtype.endsWith(`+${wanted}`);
      });
      if (match) return match;
    }
  }
  if (!req.get("accept") || (offered.length <= 1 && !operation.responses["406"])) return fallback;
  const accepted = req.accepts([...offered]);
  if (typeof accepted === "string") return accepted;
  if (operation.responses["406"]) {
    const message = `None of the media types in Accept is offered: ${offered.join(", ")}.`;
    throw new RouterError({ status: 406, code: "NotAcceptable", message, errors: [] });
  }
  return fallback;
}

function hasUndefined(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasUndefined);
  if (value === null || typeof value !== "object") return false;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (child === undefined || hasUndefined(child)) return true;
  }
  return false;
}

/**
 * `{ a: undefined }` serializes as `{}`, but the response validator sees the key and
 * reports an extra property; validate what the client will receive instead.
 */
function asSerialized(body: unknown): unknown {
  return hasUndefined(body) ? JSON.parse(JSON.stringify(body)) : body;
}

/** What sending needs to know of a declared content type: its header value, and whether it is JSON. */
interface SentType {
  readonly header: string;
  readonly json: boolean;
}

const sentTypes = new Map<string, SentType>();

/**
 * The header value (Express adds the charset from mime-types' table) and the JSON test of
 * a declared type, worked out once, by res.type on the first response sent as that type.
 */
function sentType(res: Response, contentType: string): SentType {
  const known = sentTypes.get(contentType);
  if (known !== undefined) return known;
  res.type(contentType);
  const sent = { header: String(res.getHeader("Content-Type")), json: isJson(contentType) };
  sentTypes.set(contentType, sent);
  return sent;
}

/** `validated`: response validation is on, so JSON text is parsed for the validator to see. */
export async function sendBody(res: Response, contentType: string, body: unknown, validated: boolean): Promise<void> {
  const type = sentType(res, contentType);
  if (type.json && body instanceof JsonText && !validated) {
    // Sent as it is, past res.send: no ETag hashed over the whole body on every request
    // (a store's text says nothing a client could revalidate cheaply), and encoded once,
    // by the socket's write, with no copy of the page in a Buffer first. Its headers go in
    // the one writeHead call with the response's defaults (default-headers.ts), and with
    // the length given, end() does not measure the text's UTF-8 length a second time.
    res.writeHead(res.statusCode, { "Content-Type": type.header, "Content-Length": Buffer.byteLength(body.text) });
    res.end(body.text);
    return;
  }
  res.setHeader("Content-Type", type.header);
  if (type.json) {
    if (isJsonStream(body)) {
      await pipeline(Readable.from(body.chunks()), res);
      return;
    }
    if (body instanceof JsonText) {
      res.json(JSON.parse(body.text));
      return;
    }
    // res.json is what express-openapi-validator hooks to validate the response.
    res.json(asSerialized(body));
    return;
  }
  if (typeof body === "string" || body instanceof Uint8Array) {
    res.send(body);
    return;
  }
  if (body === undefined || body === null) {
    res.end();
    return;
  }
  await pipeline(body instanceof Readable ? body : Readable.from(body as AsyncIterable<unknown>), res);
}
