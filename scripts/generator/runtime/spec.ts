// The operation table: what the generator derives from the spec for the router to read.
// Plain data, so generated server.ts only lists values and this file owns their shape.

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethod = (typeof httpMethods)[number];

/** What binding needs to know of a parameter's value to check and type its text. */
export interface ValueSpec {
  readonly name: string;
  /** A list: split by the parameter's style, each item checked. */
  readonly array: boolean;
  /** Canonical enum values (of the value, or of the items of an array), matched case-insensitively. */
  readonly enum?: readonly string[];
  /** The value's (or each item's) type where its text must be checked before coercion. */
  readonly type?: "integer" | "number" | "boolean";
}

/** How one query parameter is bound; derived from the spec by the generator. */
export interface QueryParameterSpec extends ValueSpec {
  /**
   * The separator of a non-exploded list (`form`: `,`, `pipeDelimited`: `|`,
   * `spaceDelimited`: ` `); absent for exploded lists, where a comma is data.
   */
  readonly delimiter?: "," | "|" | " ";
  /** The schema's default, applied when the parameter is absent. */
  readonly default?: unknown;
}

/** How one path parameter is written: OpenAPI's `simple`, `label` (`.a.b`) or `matrix` (`;id=a`). */
export interface PathParameterSpec extends ValueSpec {
  readonly style: "simple" | "label" | "matrix";
  readonly explode: boolean;
}

export type SecuritySchemeSpec =
  | { readonly type: "http"; readonly scheme: "basic" | "bearer" }
  | { readonly type: "apiKey"; readonly in: "header" | "query" | "cookie"; readonly name: string };

/** One alternative of an operation's `security`: every scheme in it must pass. */
export type SecurityRequirementSpec = Readonly<Record<string, readonly string[]>>;

export interface OperationSpec {
  readonly name: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly pathParameters: readonly PathParameterSpec[];
  readonly query: readonly QueryParameterSpec[];
  /** Declared header parameters, as the spec spells them (Node lowercases what arrives). */
  readonly headers: readonly string[];
  /** Declared cookie parameters (`form` style, scalar). */
  readonly cookies: readonly ValueSpec[];
  /** Empty means no security; an empty alternative (`{}`) means authentication is optional. */
  readonly security: readonly SecurityRequirementSpec[];
  /** The operation declares a request body; one that does not refuses any body unread. */
  readonly takesBody: boolean;
  /** Declared statuses, each with its content types in spec order. */
  readonly responses: Readonly<Record<string, readonly string[]>>;
  /** A query parameter whose value (e.g. `csv`) selects a response content type by its subtype. */
  readonly formatParameter?: string;
  /** Non-string fields of a form-urlencoded body, typed from their text before validation. */
  readonly formFields?: Readonly<Record<string, "integer" | "number" | "boolean">>;
}

export interface ApiSpec {
  readonly document: object;
  /** The path part of each server URL (`/api/v1`), or `""`: routes are mounted under each. */
  readonly basePaths: readonly string[];
  readonly securitySchemes: Readonly<Record<string, SecuritySchemeSpec>>;
  readonly operations: readonly OperationSpec[];
}
