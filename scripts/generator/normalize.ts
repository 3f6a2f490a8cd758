// Legal spec forms that tools downstream reject, rewritten to their equivalent before any
// of them sees the document. The bundled openapi.json carries the rewritten form, so the
// validator, the types and the docs all read the same thing.
import type { JsonObject, OpenApiDocument } from "./document.js";

const schemasPrefix = "#/components/schemas/";

/**
 * A discriminator `mapping` value may be a schema name or a reference (OpenAPI 3.0 and 3.1,
 * Discriminator Object). openapi-typescript resolves every value as a reference and fails
 * on a name, so a value naming a component schema becomes `#/components/schemas/<name>`.
 */
function normalizeMapping(doc: OpenApiDocument, mapping: Record<string, unknown>): void {
  const schemas = doc.components?.schemas ?? {};
  for (const [key, value] of Object.entries(mapping)) {
    if (typeof value !== "string" || value.includes("/") || value.includes("#")) continue;
    if (!Object.hasOwn(schemas, value)) {
      throw new Error(`discriminator mapping '${key}': '${value}' is neither a reference nor a component schema name`);
    }
    mapping[key] = `${schemasPrefix}${value.replace(/~/g, "~0")}`;
  }
}

// Values, not schemas: an example may well contain a key named `discriminator`.
const dataKeys = new Set(["example", "examples", "default", "enum", "const"]);

// for...in and no intermediate arrays: this walks every node of a 10 MB spec.
function walk(doc: OpenApiDocument, node: object): void {
  if (Array.isArray(node)) {
    for (const child of node) if (child !== null && typeof child === "object") walk(doc, child);
    return;
  }
  for (const key in node) {
    const child = (node as JsonObject)[key];
    if (child === null || typeof child !== "object" || dataKeys.has(key)) continue;
    const mapping = key === "discriminator" ? (child as { mapping?: unknown }).mapping : undefined;
    if (mapping && typeof mapping === "object") normalizeMapping(doc, mapping as Record<string, unknown>);
    walk(doc, child);
  }
}

/** Rewrites `doc` in place (it is the generator's own copy of the bundle) and returns it. */
export function normalize(doc: OpenApiDocument): OpenApiDocument {
  walk(doc, doc);
  return doc;
}
