// The router: per operation, security, lenient binding, body parsing,
// express-openapi-validator (requests and responses), the handler, and the error shape.
import express, { type Request, type RequestHandler, type Response } from "express";
import * as OpenApiValidator from "express-openapi-validator";
import { queryBinder } from "./binding.js";
import { setDefaultHeaders } from "./default-headers.js";
import { badRequest, errorHandler, RouterError } from "./errors.js";
import type { AnyHandler, Caller, RouterOptions, UploadedFile } from "./handler.js";
import { successContentTypes } from "./media-types.js";
import { negotiate, sendBody } from "./negotiation.js";
import { type ParameterCheck, parameterCheck } from "./parameter-check.js";
import { forMethod, pathTable } from "./path-match.js";
import { formBodyTyper, requestBinder } from "./request-binding.js";
import { stateOf } from "./request-state.js";
import { authorizer } from "./security.js";
import type { ApiSpec, OperationSpec } from "./spec.js";
import { chain, fromMiddleware, type Step } from "./step-chain.js";
import { validatorDocument } from "./validator-document.js";

function declaredHeaders(req: Request, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.flatMap((name) => (req.get(name) === undefined ? [] : [[name, req.get(name)]])));
}

interface MulterFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  buffer: Buffer;
}

/** The files multer (inside express-openapi-validator) read from a multipart body. */
function uploadedFiles(req: Request): UploadedFile[] {
  const files = (req as Request & { files?: MulterFile[] }).files;
  if (!Array.isArray(files)) return [];
  return files.map((f) => ({ field: f.fieldname, fileName: f.originalname, contentType: f.mimetype, data: f.buffer }));
}

/** Query names an operation's apiKey schemes read: credentials, not parameters. */
function apiKeyQueryNames(operation: OperationSpec, spec: ApiSpec): Set<string> {
  const names = new Set<string>();
  for (const requirement of operation.security) {
    for (const schemeName of Object.keys(requirement)) {
      const scheme = spec.securitySchemes[schemeName];
      if (scheme?.type === "apiKey" && scheme.in === "query") names.add(scheme.name.toLowerCase());
    }
  }
  return names;
}

/** One 400 for every finding of binding and of the parameter schemas, binding's first. */
function checkParameters(check: ParameterCheck): Step {
  return (req) => {
    const state = stateOf(req);
    const found = check({ query: state.query ?? {}, path: state.path ?? {}, cookie: state.cookies ?? {} });
    if (found.length === 0) return;
    const binding = state.bindingErrors ?? [];
    throw badRequest([...binding, ...found.filter((f) => !binding.some((b) => b.field === f.field))]);
  };
}

function invoke(operation: OperationSpec, handler: AnyHandler, validateResponses: boolean): Step {
  const offered = successContentTypes(Object.entries(operation.responses));
  return async (req, res) => {
    const state = stateOf(req);
    const bindingErrors = state.bindingErrors ?? [];
    if (bindingErrors.length > 0) throw badRequest(bindingErrors);
    const accept = negotiate(req, operation, offered);
    const result = await handler({
      // The binder's typed values, not the validator's coercion: handlers get the same
      // input whether request validation is on or off.
      query: state.query ?? {},
      path: state.path ?? {},
      headers: declaredHeaders(req, operation.headers),
      cookies: state.cookies ?? {},
      body: req.body,
      files: uploadedFiles(req),
      caller: state.caller,
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
    await sendBody(res, contentType, result.body, validateResponses);
  };
}

/** The operation's path under each server's base path. */
function routePaths(spec: ApiSpec, operation: OperationSpec): string[] {
  return spec.basePaths.map((base) => `${base}${operation.path}`);
}

function methodNotAllowed(req: Request, res: Response, declared: ReadonlyMap<string, unknown>): RouterError {
  const allow = [...declared.keys()].join(", ");
  res.setHeader("Allow", allow);
  return new RouterError({
    status: 405,
    code: "MethodNotAllowed",
    message: `${req.method} is not allowed on ${req.path}; use ${allow}`,
    errors: [],
  });
}

const bindsPathOrCookies = (operation: OperationSpec) => operation.pathParameters.length > 0 || operation.cookies.length > 0;

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * An operation that declares no request body refuses one from the headers alone, before
 * anything is parsed or buffered; the connection closes after the answer, so the rest of
 * the body is never read either.
 */
function refuseBody(operation: OperationSpec): Step {
  const message = `${operation.method.toUpperCase()} ${operation.path} takes no request body.`;
  return (req) => {
    if (!hasBody(req)) return;
    throw new RouterError(
      { status: 400, code: "BodyNotAllowed", message, errors: [{ field: "body", code: "BodyNotAllowed", message }] },
      { Connection: "close" },
    );
  };
}

const NO_STORE = { "Cache-Control": "no-store" } as const;

/**
 * A secured operation's answers are per caller, its errors included: no shared cache may
 * keep them and no browser may store them. A handler's own headers may say otherwise.
 */
const noStore: Step = (_req, res) => {
  setDefaultHeaders(res, NO_STORE);
};

/**
 * Wires every operation: security, lenient binding, express-openapi-validator (requests
 * and responses), the handler, and the error shape. One middleware finds the operation
 * and runs its steps; requests for paths the spec does not declare fall through to
 * whatever the app mounts next.
 */
export function createOperationRouter<TCaller extends Caller, TErrorBody>(
  spec: ApiSpec,
  handlers: object,
  options: RouterOptions<TCaller, TErrorBody>,
): RequestHandler {
  const table = handlers as Readonly<Record<string, AnyHandler | undefined>>;
  const opts = options as RouterOptions<Caller, unknown>;
  const validateRequests = options.validateRequests !== false;
  const validateResponses = options.validateResponses !== false;
  const validator = (requests: boolean): RequestHandler[] =>
    OpenApiValidator.middleware({
      apiSpec: validatorDocument(spec.document) as never,
      validateRequests: requests ? { allErrors: true, allowUnknownQueryParameters: false } : false,
      validateResponses: validateResponses ? { allErrors: true } : false,
      validateSecurity: false,
      ignoreUndocumented: true,
    });
  // Parameters the binders typed are checked by parameterCheck; the validator checks
  // requests only where there is more (a body, header parameters), and responses if asked.
  const needsValidator = (operation: OperationSpec) => validateRequests && (operation.takesBody || operation.headers.length > 0);
  const withRequests = spec.operations.some(needsValidator) ? validator(true) : [];
  const responsesOnly = validateResponses && !spec.operations.every(needsValidator) ? validator(false) : [];
  const bodyParsers = [
    express.json({ limit: "1mb", type: ["application/json", "application/*+json"] }),
    express.text({ type: "text/*", limit: "1mb" }),
    express.urlencoded({ extended: false, limit: "1mb" }),
    express.raw({ type: "application/octet-stream", limit: "10mb" }),
  ];
  const maxPairs = options.maxQueryPairs ?? 256;
  const onError = errorHandler(opts);
  // Each path's operations by request method, uppercase as Node gives it.
  const paths = new Map<string, Map<string, RequestHandler>>();
  for (const operation of spec.operations) {
    const handler = table[operation.name];
    if (!handler) throw new Error(`No handler for operation ${operation.name}`);
    const validates = needsValidator(operation);
    const secured = operation.security.length > 0;
    // A step with nothing to do for an operation is left out rather than run to pass the request on.
    const steps = chain(
      [
        ...(secured ? [noStore] : []),
        ...(operation.takesBody ? [] : [refuseBody(operation)]),
        ...(secured ? [authorizer(operation, spec, opts)] : []),
        queryBinder(operation, maxPairs, apiKeyQueryNames(operation, spec), validates),
        ...(bindsPathOrCookies(operation) || validates ? [requestBinder(operation)] : []),
        ...(validateRequests ? [checkParameters(parameterCheck(spec.document, operation))] : []),
        ...(operation.takesBody ? bodyParsers.map(fromMiddleware) : []),
        ...(operation.formFields ? [formBodyTyper(operation)] : []),
        ...(validates ? withRequests : responsesOnly).map(fromMiddleware),
        invoke(operation, handler, validateResponses),
      ],
      onError,
    );
    for (const path of routePaths(spec, operation)) {
      paths.set(path, (paths.get(path) ?? new Map()).set(operation.method.toUpperCase(), steps));
    }
  }
  const find = pathTable(paths);
  return (req, res, next) => {
    let found: ReturnType<typeof find>;
    try {
      found = find(req.path);
    } catch (error) {
      return onError(error, req, res, next);
    }
    if (!found) return next();
    const steps = forMethod(found.value, req.method);
    if (!steps) return onError(methodNotAllowed(req, res, found.value), req, res, next);
    req.params = found.params;
    steps(req, res, next);
  };
}
