// The operation table: what the generator derives from the spec for the router to read.
// Plain data, so generated server.ts only lists values and this file owns their shape.

export type HttpMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";

/** How one query parameter is bound; derived from the spec by the generator. */
export interface QueryParameterSpec {
  readonly name: string;
  /** `array` parameters accept comma-joined, repeated and bracketed lists. */
  readonly array: boolean;
  /** Only `explode: false` lists are split on commas: with explode the comma is data. */
  readonly commaSeparated: boolean;
  /** Canonical enum values (of the value, or of the items of an array), matched case-insensitively. */
  readonly enum?: readonly string[];
  /** The value's (or each item's) type where its text must be checked before coercion. */
  readonly type?: "integer" | "number" | "boolean";
  /** The schema's default, applied when the parameter is absent. */
  readonly default?: unknown;
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
  readonly expressPath: string;
  readonly query: readonly QueryParameterSpec[];
  /** Declared header parameters, as the spec spells them (Node lowercases what arrives). */
  readonly headers: readonly string[];
  /** Empty means no security; an empty alternative (`{}`) means authentication is optional. */
  readonly security: readonly SecurityRequirementSpec[];
  /** Declared statuses, each with its content types in spec order. */
  readonly responses: Readonly<Record<string, readonly string[]>>;
  /** A query parameter whose value (e.g. `csv`) selects a response content type by its subtype. */
  readonly formatParameter?: string;
}

export interface ApiSpec {
  readonly document: object;
  readonly securitySchemes: Readonly<Record<string, SecuritySchemeSpec>>;
  readonly operations: readonly OperationSpec[];
}
