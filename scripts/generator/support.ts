// What the generated server can serve, checked before anything is emitted. Each refusal
// names the operation and the part of the spec, and matches a row of the README's
// "Supported" table; the generator never emits a router that would fail at run time.
import { type OpenApiDocument, resolve } from "./document.js";
import type { OperationModel } from "./operations.js";
import { essence, isJson } from "./runtime/media-types.js";

export class UnsupportedError extends Error {}

/** Request body media types the router has a parser for (express body parsers, multer). */
export function hasBodyParser(contentType: string): boolean {
  const type = essence(contentType);
  return (
    isJson(type) ||
    type.startsWith("text/") ||
    type === "application/x-www-form-urlencoded" ||
    type === "multipart/form-data" ||
    type === "application/octet-stream"
  );
}

/** The path part of each server URL, without a trailing slash, each once; `""` when there are none. */
export function basePaths(doc: OpenApiDocument): string[] {
  const servers = (doc.servers as { url?: string }[] | undefined) ?? [];
  const paths = servers.map((server) => {
    const url = server.url ?? "/";
    // Variables in the scheme or host do not matter to routing; in the path they would.
    const pathPart = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").replace(/[?#].*$/, "");
    if (/[{}]/.test(pathPart)) {
      throw new UnsupportedError(`servers: '${url}' has a variable in its path; the router mounts fixed base paths only`);
    }
    return new URL(pathPart || "/", "http://host").pathname.replace(/\/+$/, "");
  });
  return paths.length > 0 ? [...new Set(paths)] : [""];
}

function where(op: OperationModel): string {
  return `${op.method.toUpperCase()} ${op.path}`;
}

/** Throws UnsupportedError for the first thing of the spec the generated server cannot serve. */
export function checkSupported(doc: OpenApiDocument, ops: readonly OperationModel[]): void {
  basePaths(doc);
  for (const [name, node] of Object.entries(doc.components?.securitySchemes ?? {})) {
    if (resolve(doc, node).type === "mutualTLS") {
      throw new UnsupportedError(`securitySchemes.${name}: mutualTLS is verified by the TLS layer, which the router does not see`);
    }
  }
  for (const op of ops) {
    for (const p of op.parameters) {
      if ((p.in === "path" || p.in === "cookie") && p.kind === "object") {
        throw new UnsupportedError(`${where(op)}: ${p.in} parameter '${p.name}' is an object; only scalars and lists are bound`);
      }
    }
    for (const type of op.requestBody?.contentTypes ?? []) {
      if (!hasBodyParser(type)) {
        throw new UnsupportedError(
          `${where(op)}: no body parser for '${type}' request bodies (JSON, text/*, form-urlencoded, multipart and octet-stream are parsed)`,
        );
      }
    }
  }
}
