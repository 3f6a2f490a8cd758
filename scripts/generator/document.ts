// The few shapes of an OpenAPI 3.0/3.1 document the emitters read, and local $ref
// resolution. The bundled document has only local refs, so nothing here reads files.

export type JsonObject = { [key: string]: unknown };

export interface SchemaObject extends JsonObject {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  items?: SchemaObject;
  default?: unknown;
}

export interface ParameterObject extends JsonObject {
  $ref?: string;
  name: string;
  in: "query" | "header" | "path" | "cookie";
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema?: SchemaObject;
  content?: Record<string, { schema?: SchemaObject }>;
}

export interface MediaTypeObject extends JsonObject {
  schema?: SchemaObject;
}

export interface RequestBodyObject extends JsonObject {
  $ref?: string;
  required?: boolean;
  content?: Record<string, MediaTypeObject>;
}

export interface HeaderObject extends JsonObject {
  $ref?: string;
  required?: boolean;
}

export interface ResponseObject extends JsonObject {
  $ref?: string;
  content?: Record<string, MediaTypeObject>;
  headers?: Record<string, HeaderObject>;
}

export type SecurityRequirement = Record<string, string[]>;

export interface OperationObject extends JsonObject {
  operationId?: string;
  summary?: string;
  description?: string;
  deprecated?: boolean;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses?: Record<string, ResponseObject>;
  security?: SecurityRequirement[];
}

export interface SecuritySchemeObject extends JsonObject {
  $ref?: string;
  type: "http" | "apiKey" | "oauth2" | "openIdConnect" | "mutualTLS";
  scheme?: string;
  in?: "header" | "query" | "cookie";
  name?: string;
}

export interface OpenApiDocument extends JsonObject {
  openapi: string;
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, unknown> & { parameters?: ParameterObject[] }>;
  components?: {
    schemas?: Record<string, SchemaObject>;
    securitySchemes?: Record<string, SecuritySchemeObject>;
  } & JsonObject;
  security?: SecurityRequirement[];
}

/** The keys a local `#/...` ref walks (JSON pointer, URI-decoded, with ~0/~1 escapes undone). */
export function refPath(ref: string): string[] {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs can be resolved in a bundled document: ${ref}`);
  return ref
    .slice(2)
    .split("/")
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Follows local `#/...` refs until a non-ref object. */
export function resolve<T extends { $ref?: string }>(doc: OpenApiDocument, node: T): T {
  let current: unknown = node;
  const seen = new Set<string>();
  while (current && typeof current === "object" && typeof (current as { $ref?: unknown }).$ref === "string") {
    const ref = (current as { $ref: string }).$ref;
    if (seen.has(ref)) throw new Error(`Circular $ref: ${ref}`);
    seen.add(ref);
    current = refPath(ref).reduce<unknown>((target, key) => (target as JsonObject | undefined)?.[key], doc);
    if (current === undefined) throw new Error(`Unresolvable $ref: ${ref}`);
  }
  return current as T;
}

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethod = (typeof httpMethods)[number];

/** The first non-null `type` of a schema (3.1 allows `type: [string, "null"]`). */
export function primaryType(schema: SchemaObject | undefined): string | undefined {
  const type = schema?.type;
  if (Array.isArray(type)) return type.find((t) => t !== "null");
  return type;
}
