// The few shapes of an OpenAPI 3.0/3.1 document the emitters read, and local $ref
// resolution. The bundled document has only local refs, so nothing here reads files.

export type JsonObject = { [key: string]: unknown };

// Shared with the router, which reads the same bundled document at run time.
export { refPath, resolve } from "./runtime/refs.js";

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

export { type HttpMethod, httpMethods } from "./runtime/spec.js";

/** The first non-null `type` of a schema (3.1 allows `type: [string, "null"]`). */
export function primaryType(schema: SchemaObject | undefined): string | undefined {
  const type = schema?.type;
  if (Array.isArray(type)) return type.find((t) => t !== "null");
  return type;
}
