// The spec-independent half of every generated server: lenient query binding, security,
// content negotiation, response sending and the error shape. The generator copies this
// file next to the server.ts it writes, so generated code never depends on scripts/.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from "express";
import * as OpenApiValidator from "express-openapi-validator";

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

/** Credentials as the router parsed them from the request, named by the spec's scheme. */
export type Credentials =
  | { readonly scheme: string; readonly type: "basic"; readonly username: string; readonly password: string }
  | { readonly scheme: string; readonly type: "bearer"; readonly token: string }
  | { readonly scheme: string; readonly type: "apiKey"; readonly key: string };

export interface Caller {
  readonly roles: readonly string[];
}

/** A field-level failure, named as the client sent it (`page`, `tagIds`, `body.name`). */
export interface FieldFailure {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

/** Every failure the router produces, before the app turns it into the spec's error body. */
export interface RouterFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly errors: readonly FieldFailure[];
}

export interface RouterOptions<TCaller extends Caller, TErrorBody> {
  /** Verifies parsed credentials; resolve `undefined` when they are wrong (401). */
  authenticate?: (credentials: Credentials, req: Request) => Promise<TCaller | undefined> | TCaller | undefined;
  /** Turns a failure into the spec's error body; used for every 4xx and 5xx the router sends. */
  errorBody: (failure: RouterFailure) => TErrorBody;
  /** The realm named in `WWW-Authenticate` challenges. */
  realm?: string;
  /** Validate handler responses against the spec (default true). */
  validateResponses?: boolean;
  /** Validate requests against the spec (default true); lenient binding still applies. */
  validateRequests?: boolean;
  /** Called for every 5xx with the underlying error, e.g. to log it. */
  onError?: (error: unknown, req: Request) => void;
  /** Include the error message of a 5xx in the body (development only). */
  exposeErrors?: boolean;
  /** More than this many query pairs is a 400 (default 256). */
  maxQueryPairs?: number;
}

/** Body types a handler may return for a non-JSON content type. */
export type TextBody = string | Uint8Array | Readable | AsyncIterable<string | Uint8Array>;

declare const jsonStreamOf: unique symbol;

/**
 * A JSON body written as it is produced, so `all=true` style responses keep memory flat.
 * The phantom type ties it to the declared body; it is not response-validated.
 */
export interface JsonStream<T> {
  readonly [jsonStreamOf]?: T;
  readonly chunks: () => AsyncIterable<string>;
}

type ArrayKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T];
type ElementOf<A> = A extends readonly (infer E)[] ? E : never;

/**
 * Streams `{"<key>":[...items], ...trailer}`: the array first, written item by item as the
 * iterable yields it, then the properties that can only be known once it is done (a
 * count, say). Items first is also the order ServiceStack writes a ListResponse in.
 */
export function streamJsonArray<T, K extends ArrayKeys<T>>(
  key: K,
  items: AsyncIterable<ElementOf<NonNullable<T[K]>>> | Iterable<ElementOf<NonNullable<T[K]>>>,
  trailer: (count: number) => Omit<T, K>,
): JsonStream<T> {
  return {
    async *chunks() {
      yield `{${JSON.stringify(key)}:[`;
      let count = 0;
      // Batch small items into larger writes: one socket write per item is the slow part.
      let buffer = "";
      for await (const item of items as AsyncIterable<unknown>) {
        buffer += count === 0 ? JSON.stringify(item) : `,${JSON.stringify(item)}`;
        count += 1;
        if (buffer.length >= 64 * 1024) {
          yield buffer;
          buffer = "";
        }
      }
      const rest = JSON.stringify(trailer(count));
      yield `${buffer}]${rest === "{}" ? "" : `,${rest.slice(1, -1)}`}}`;
    },
  };
}

/** What every generated handler result has in common; the generated unions narrow it. */
export interface HandlerResult {
  readonly status: number;
  readonly contentType?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** The input the router hands to each handler; generated input types narrow its fields. */
export interface HandlerInput {
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
  caller: unknown;
  accept: string;
  request: Request;
}

type AnyHandler = (input: HandlerInput) => Promise<HandlerResult> | HandlerResult;

const originalUrlKey = Symbol("lenient-binding.originalUrl");
const bindingErrorsKey = Symbol("lenient-binding.errors");
const boundValuesKey = Symbol("lenient-binding.values");

interface BoundRequest extends Request {
  [originalUrlKey]?: string;
  [bindingErrorsKey]?: FieldFailure[];
  [boundValuesKey]?: Record<string, unknown>;
}

class RouterError extends Error {
  constructor(
    readonly failure: RouterFailure,
    readonly headers: Readonly<Record<string, string | string[]>> = {},
  ) {
    super(failure.message);
  }
}

function badRequest(errors: FieldFailure[]): RouterError {
  const first = errors[0];
  return new RouterError({
    status: 400,
    code: first?.code ?? "BadRequest",
    message: errors.length === 1 && first ? first.message : `${errors.length} query parameters are invalid`,
    errors,
  });
}

// ---------------------------------------------------------------------------------------
// Lenient query binding (ServiceStack's rules): case-insensitive names and enum values,
// comma-joined / repeated / bracketed lists, empty values skipped. The result is written
// back as a canonical query string, which is what express-openapi-validator then checks.
// ---------------------------------------------------------------------------------------

function splitList(raw: string, commaSeparated: boolean): string[] {
  const trimmed = raw.trim();
  const inner = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : raw;
  return (commaSeparated ? inner.split(",") : [inner]).filter((item) => item !== "");
}

function canonicalEnum(value: string, values: readonly string[] | undefined): string {
  if (!values) return value;
  const lower = value.toLowerCase();
  return values.find((candidate) => candidate.toLowerCase() === lower) ?? value;
}

// encodeURIComponent leaves !'()* alone; express-openapi-validator rejects them unencoded.
function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const integerText = /^[+-]?\d+$/;
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The canonical text of one value, or undefined when its text cannot be its type. The
 * validator's coercion takes anything `Number()` takes (`0x10`, `1e309` as Infinity), so
 * numbers are checked here first; surrounding spaces are forgiven, as .NET's parsers do.
 */
function canonicalValue(raw: string, parameter: QueryParameterSpec): string | undefined {
  if (parameter.type === "boolean") {
    const lower = raw.trim().toLowerCase();
    return lower === "true" || lower === "false" ? lower : undefined;
  }
  if (parameter.type === "integer") {
    const text = raw.trim();
    return integerText.test(text) && Number.isSafeInteger(Number(text)) ? String(Number(text)) : undefined;
  }
  if (parameter.type === "number") {
    const text = raw.trim();
    return numberText.test(text) && Number.isFinite(Number(text)) ? text : undefined;
  }
  return canonicalEnum(raw, parameter.enum);
}

function typeError(parameter: QueryParameterSpec): FieldFailure {
  const article = parameter.type === "integer" ? "an" : "a";
  return {
    field: parameter.name,
    code: "Type",
    message: `${parameter.name} must be ${article} ${parameter.type}${parameter.array ? " list" : ""}`,
  };
}

export interface BoundQuery {
  /** The canonical query string the validator checks. */
  readonly query: string;
  /** The same values, typed and with defaults applied: what the handler receives. */
  readonly values: Record<string, unknown>;
  readonly errors: FieldFailure[];
}

function typed(text: string, parameter: QueryParameterSpec): unknown {
  if (parameter.type === "boolean") return text === "true";
  if (parameter.type === "integer" || parameter.type === "number") return Number(text);
  return text;
}

/** Binds a raw query string leniently; pure, so it is tested on its own. */
export function bindQuery(rawQuery: string, parameters: readonly QueryParameterSpec[], maxPairs = 256): BoundQuery {
  const byLowerName = new Map(parameters.map((p) => [p.name.toLowerCase(), p]));
  const values = new Map<QueryParameterSpec, string[]>();
  const errors: FieldFailure[] = [];
  const pairs = [...new URLSearchParams(rawQuery)];
  if (pairs.length > maxPairs) {
    return {
      query: "",
      values: {},
      errors: [{ field: "query", code: "TooManyParameters", message: `At most ${maxPairs} query parameters are allowed` }],
    };
  }
  for (const [name, value] of pairs) {
    if (value === "" || name === "") continue;
    const parameter = byLowerName.get(name.toLowerCase());
    if (!parameter) {
      if (!errors.some((e) => e.field === name)) {
        errors.push({ field: name, code: "UnknownParameter", message: `Unknown query parameter '${name}'` });
      }
      continue;
    }
    const list = values.get(parameter) ?? [];
    if (!parameter.array && list.length > 0) {
      errors.push({ field: parameter.name, code: "Repeated", message: `Query parameter '${parameter.name}' is given more than once` });
      continue;
    }
    const raw = parameter.array ? splitList(value, parameter.commaSeparated) : [value];
    const canonical = raw.map((item) => canonicalValue(item, parameter));
    if (canonical.some((item) => item === undefined)) {
      if (!errors.some((e) => e.field === parameter.name)) errors.push(typeError(parameter));
      continue;
    }
    list.push(...(canonical as string[]));
    values.set(parameter, list);
  }
  const parts: string[] = [];
  const result: Record<string, unknown> = {};
  for (const parameter of parameters) {
    const list = values.get(parameter);
    if (!list || list.length === 0) {
      if (parameter.default !== undefined) result[parameter.name] = parameter.default;
      continue;
    }
    const name = encodeStrict(parameter.name);
    if (parameter.array && parameter.commaSeparated) parts.push(`${name}=${list.map(encodeStrict).join(",")}`);
    else for (const value of list) parts.push(`${name}=${encodeStrict(value)}`);
    result[parameter.name] = parameter.array ? list.map((v) => typed(v, parameter)) : typed(list[0]!, parameter);
  }
  return { query: parts.join("&"), values: result, errors };
}

function queryBinder(operation: OperationSpec, maxPairs: number): RequestHandler {
  return (req, _res, next) => {
    const bound = req as BoundRequest;
    const at = req.url.indexOf("?");
    const { query, values, errors } = bindQuery(at === -1 ? "" : req.url.slice(at + 1), operation.query, maxPairs);
    const tooMany = errors.find((e) => e.code === "TooManyParameters");
    if (tooMany) return next(badRequest([tooMany]));
    const path = at === -1 ? req.url : req.url.slice(0, at);
    const originalAt = req.originalUrl.indexOf("?");
    const originalPath = originalAt === -1 ? req.originalUrl : req.originalUrl.slice(0, originalAt);
    bound[originalUrlKey] = req.originalUrl;
    bound[bindingErrorsKey] = errors;
    bound[boundValuesKey] = values;
    req.url = query ? `${path}?${query}` : path;
    // The validator re-reads the raw query from originalUrl; it must see the canonical one.
    req.originalUrl = query ? `${originalPath}?${query}` : originalPath;
    next();
  };
}

/** The URL as the client sent it, before lenient binding rewrote it (for logs). */
export function clientUrl(req: Request): string {
  return (req as BoundRequest)[originalUrlKey] ?? req.originalUrl;
}

// ---------------------------------------------------------------------------------------
// Security: the router parses credentials for the schemes the operation allows, the app
// verifies them, and the router enforces the role names listed in the requirement.
// ---------------------------------------------------------------------------------------

function parseCredentials(req: Request, name: string, scheme: SecuritySchemeSpec): Credentials | undefined | "malformed" {
  if (scheme.type === "apiKey") {
    const raw =
      scheme.in === "header"
        ? req.get(scheme.name)
        : scheme.in === "query"
          ? (new URLSearchParams(req.url.split("?")[1] ?? "").get(scheme.name) ?? undefined)
          : cookieValue(req.get("cookie"), scheme.name);
    return raw ? { scheme: name, type: "apiKey", key: raw } : undefined;
  }
  const header = req.get("authorization");
  if (!header) return undefined;
  const space = header.indexOf(" ");
  const authScheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (authScheme !== scheme.scheme) return undefined;
  const value = space === -1 ? "" : header.slice(space + 1).trim();
  if (!value) return "malformed";
  if (scheme.scheme === "bearer") return { scheme: name, type: "bearer", token: value };
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return "malformed";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return "malformed";
  return { scheme: name, type: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function challenges(operation: OperationSpec, schemes: ApiSpec["securitySchemes"], realm: string): string[] {
  const names = new Set(operation.security.flatMap((requirement) => Object.keys(requirement)));
  const result: string[] = [];
  for (const name of names) {
    const scheme = schemes[name];
    if (scheme?.type !== "http") continue;
    const label = scheme.scheme === "basic" ? "Basic" : "Bearer";
    result.push(`${label} realm="${realm.replace(/["\\]/g, "")}"`);
  }
  return result.length > 0 ? [...new Set(result)] : [`Bearer realm="${realm}"`];
}

function unauthorized(message: string, challenge: string[]): RouterError {
  return new RouterError({ status: 401, code: "Unauthorized", message, errors: [] }, { "WWW-Authenticate": challenge.join(", ") });
}

async function authorize<TCaller extends Caller>(
  req: Request,
  operation: OperationSpec,
  spec: ApiSpec,
  options: RouterOptions<TCaller, unknown>,
): Promise<TCaller | undefined> {
  if (operation.security.length === 0) return undefined;
  const optional = operation.security.some((requirement) => Object.keys(requirement).length === 0);
  const challenge = challenges(operation, spec.securitySchemes, options.realm ?? "api");
  let sawCredentials = false;
  let forbidden = false;
  for (const requirement of operation.security) {
    const names = Object.keys(requirement);
    if (names.length === 0) continue;
    let caller: TCaller | undefined;
    let satisfied = true;
    for (const name of names) {
      const scheme = spec.securitySchemes[name];
      const credentials = scheme && parseCredentials(req, name, scheme);
      if (credentials === "malformed") throw unauthorized("Malformed Authorization header", challenge);
      if (!credentials) {
        satisfied = false;
        break;
      }
      sawCredentials = true;
      const verified = options.authenticate ? await options.authenticate(credentials, req) : undefined;
      if (!verified) throw unauthorized("Invalid credentials", challenge);
      caller = verified;
    }
    if (!satisfied || !caller) continue;
    const roles = names.flatMap((name) => requirement[name] ?? []);
    // Role lists follow ServiceStack's RequiresAnyRole: any one listed role admits the caller.
    if (roles.length === 0 || roles.some((role) => caller.roles.includes(role))) return caller;
    forbidden = true;
  }
  if (forbidden) {
    throw new RouterError({ status: 403, code: "Forbidden", message: "Invalid Role", errors: [] });
  }
  if (optional && !sawCredentials) return undefined;
  throw unauthorized("Not Authenticated", challenge);
}

// ---------------------------------------------------------------------------------------
// Content negotiation and sending.
// ---------------------------------------------------------------------------------------

function isJson(contentType: string): boolean {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || type.endsWith("+json");
}

function successContentTypes(operation: OperationSpec): string[] {
  const types = Object.entries(operation.responses)
    .filter(([status]) => status.startsWith("2"))
    .flatMap(([, contentTypes]) => contentTypes);
  return [...new Set(types)];
}

/** Chooses the response content type: the format parameter first, then Accept, then the first declared. */
function negotiate(req: Request, operation: OperationSpec, offered: readonly string[]): string {
  const fallback = offered[0] ?? "application/json";
  if (operation.formatParameter) {
    const format = req.query[operation.formatParameter];
    if (typeof format === "string") {
      const wanted = format.toLowerCase();
      const match = offered.find((type) => {
        const subtype = type.split("/")[1]?.split(";")[0] ?? "";
        return subtype === wanted || subtype.endsWith(`+${wanted}`);
      });
      if (match) return match;
    }
  }
  if (offered.length <= 1 || !req.get("accept")) return fallback;
  // RFC 9110 lets a server disregard an Accept it cannot satisfy: send the default instead of 406.
  const accepted = req.accepts([...offered]);
  return typeof accepted === "string" ? accepted : fallback;
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

async function sendBody(res: Response, contentType: string, body: unknown): Promise<void> {
  if (isJson(contentType)) {
    if (body && typeof body === "object" && "chunks" in body && typeof body.chunks === "function") {
      res.type(contentType);
      await pipeline(Readable.from((body as JsonStream<unknown>).chunks()), res);
      return;
    }
    // res.json is what express-openapi-validator hooks to validate the response.
    res.type(contentType).json(asSerialized(body));
    return;
  }
  res.type(contentType);
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

// ---------------------------------------------------------------------------------------
// Errors: every failure leaves in the app's error shape, one entry per invalid field.
// ---------------------------------------------------------------------------------------

interface ValidatorError {
  status?: number;
  message?: string;
  errors?: { path?: string; message?: string; errorCode?: string }[];
  headers?: Record<string, string>;
}

function fieldName(path: string | undefined): string {
  const parts = (path ?? "").split("/").filter(Boolean);
  const [location, ...rest] = parts;
  if (location === "query" || location === "headers" || location === "params" || location === "cookies") {
    return rest[0] ?? location;
  }
  if (location === "body") return ["body", ...rest].join(".");
  return parts.join(".") || "request";
}

function pascal(keyword: string): string {
  return keyword.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");
}

function toFailure(
  error: unknown,
  req: Request,
  exposeErrors: boolean,
): { failure: RouterFailure; headers: Record<string, string | string[]> } {
  if (error instanceof RouterError) return { failure: error.failure, headers: { ...error.headers } };
  const err = (error ?? {}) as ValidatorError & { type?: string; expose?: boolean };
  const status = typeof err.status === "number" && err.status >= 400 && err.status < 600 ? err.status : 500;
  if (status >= 500) {
    return {
      failure: {
        status,
        code: "InternalServerError",
        message: exposeErrors && error instanceof Error ? error.message : "Internal Server Error",
        errors: [],
      },
      headers: {},
    };
  }
  if (status === 404)
    return { failure: { status, code: "NotFound", message: `No route for ${req.method} ${req.path}`, errors: [] }, headers: {} };
  if (status === 405)
    return {
      failure: { status, code: "MethodNotAllowed", message: `${req.method} is not allowed on ${req.path}`, errors: [] },
      headers: { ...(err.headers ?? {}) },
    };
  const fields: FieldFailure[] = (err.errors ?? []).map((e) => {
    const keyword = e.errorCode?.split(".")[0];
    return {
      field: fieldName(e.path),
      code: keyword ? pascal(keyword) : "Invalid",
      message: `${fieldName(e.path)} ${e.message ?? "is invalid"}`.replace(/^(\S+) Unknown/, "Unknown"),
    };
  });
  const bindingErrors = (req as BoundRequest)[bindingErrorsKey] ?? [];
  const merged = [...bindingErrors, ...fields.filter((f) => !bindingErrors.some((u) => u.field === f.field))];
  if (merged.length > 0 && status === 400) return { failure: badRequest(merged).failure, headers: {} };
  // body-parser errors (bad JSON, too large) carry an `expose`d message meant for clients.
  const message = err.expose && err.message ? err.message : (err.message ?? "Bad Request");
  return { failure: { status, code: pascal(err.type ?? "BadRequest"), message, errors: merged }, headers: {} };
}

function errorResponder<TErrorBody>(options: RouterOptions<Caller, TErrorBody>) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      options.onError?.(error, req);
      next(error);
      return;
    }
    const { failure, headers } = toFailure(error, req, options.exposeErrors ?? false);
    if (failure.status >= 500) options.onError?.(error, req);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    // res.send, not res.json: the error body must not be re-validated as a handler response.
    res
      .status(failure.status)
      .type("application/json")
      .send(JSON.stringify(options.errorBody(failure)));
  };
}

/** 404 in the error shape for requests no route took; mount it after every router. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new RouterError({ status: 404, code: "NotFound", message: `No route for ${req.method} ${req.path}`, errors: [] }));
  };
}

/** Renders any error that reaches it in the app's error shape; mount it last. */
export function errorHandler<TErrorBody>(options: Pick<RouterOptions<Caller, TErrorBody>, "errorBody" | "onError" | "exposeErrors">) {
  return errorResponder(options as RouterOptions<Caller, TErrorBody>);
}

// ---------------------------------------------------------------------------------------
// The router.
// ---------------------------------------------------------------------------------------

function invoke(operation: OperationSpec, handler: AnyHandler): RequestHandler {
  const offered = successContentTypes(operation);
  return async (req, res, next) => {
    try {
      const caller = (req as Request & { caller?: unknown }).caller;
      const bindingErrors = (req as BoundRequest)[bindingErrorsKey] ?? [];
      if (bindingErrors.length > 0) throw badRequest(bindingErrors);
      const accept = negotiate(req, operation, offered);
      const result = await handler({
        // The binder's typed values, not the validator's coercion: handlers get the same
        // input whether request validation is on or off.
        query: (req as BoundRequest)[boundValuesKey] ?? {},
        path: req.params as Record<string, unknown>,
        headers: Object.fromEntries(operation.headers.flatMap((name) => (req.get(name) === undefined ? [] : [[name, req.get(name)]]))),
        body: req.body,
        caller,
        accept,
        request: req,
      });
      const declared =
        operation.responses[String(result.status)] ?? operation.responses[`${String(result.status)[0]}XX`] ?? operation.responses.default;
      if (!declared) throw new Error(`${operation.name} returned status ${result.status}, which the spec does not declare`);
      const contentType = result.contentType ?? declared[0];
      if (contentType && declared.length > 0 && !declared.includes(contentType)) {
        throw new Error(`${operation.name} returned ${contentType} for status ${result.status}, which the spec does not declare`);
      }
      for (const [name, value] of Object.entries(result.headers ?? {})) {
        if (value !== undefined) res.setHeader(name, String(value));
      }
      res.status(result.status);
      if (!contentType) {
        res.end();
        return;
      }
      await sendBody(res, contentType, result.body);
    } catch (error) {
      next(error);
    }
  };
}

function authorizer(operation: OperationSpec, spec: ApiSpec, options: RouterOptions<Caller, unknown>): RequestHandler {
  return async (req, _res, next) => {
    try {
      (req as Request & { caller?: unknown }).caller = await authorize(req, operation, spec, options);
      next();
    } catch (error) {
      next(error);
    }
  };
}

function methodNotAllowed(allowed: readonly HttpMethod[]): RequestHandler {
  const allow = allowed.map((m) => m.toUpperCase()).join(", ");
  return (req, res, next) => {
    res.setHeader("Allow", allow);
    next(
      new RouterError({
        status: 405,
        code: "MethodNotAllowed",
        message: `${req.method} is not allowed on ${req.path}; use ${allow}`,
        errors: [],
      }),
    );
  };
}

/**
 * Wires every operation: security, lenient binding, express-openapi-validator (requests
 * and responses), the handler, and the error shape. Routes the spec does not declare fall
 * through to whatever the app mounts next.
 */
export function createOperationRouter<TCaller extends Caller, TErrorBody>(
  spec: ApiSpec,
  handlers: object,
  options: RouterOptions<TCaller, TErrorBody>,
): Router {
  const table = handlers as Readonly<Record<string, AnyHandler | undefined>>;
  const opts = options as RouterOptions<Caller, unknown>;
  const router = express.Router();
  const validators = OpenApiValidator.middleware({
    apiSpec: spec.document as never,
    validateRequests: options.validateRequests === false ? false : { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses === false ? false : { allErrors: true },
    validateSecurity: false,
    ignoreUndocumented: true,
  });
  const bodyParsers = [
    express.json({ limit: "1mb", type: ["application/json", "application/*+json"] }),
    express.text({ type: "text/*", limit: "1mb" }),
    express.urlencoded({ extended: false, limit: "1mb" }),
    express.raw({ type: "application/octet-stream", limit: "10mb" }),
  ];
  const maxPairs = options.maxQueryPairs ?? 256;
  for (const operation of spec.operations) {
    const handler = table[operation.name];
    if (!handler) throw new Error(`No handler for operation ${operation.name}`);
    router[operation.method](
      operation.expressPath,
      authorizer(operation, spec, opts),
      queryBinder(operation, maxPairs),
      bodyParsers,
      validators,
      invoke(operation, handler),
    );
  }
  const methodsByPath = new Map<string, HttpMethod[]>();
  for (const operation of spec.operations) {
    methodsByPath.set(operation.expressPath, [...(methodsByPath.get(operation.expressPath) ?? []), operation.method]);
  }
  for (const [path, methods] of methodsByPath) router.all(path, methodNotAllowed(methods));
  router.use(errorResponder(opts));
  return router;
}
