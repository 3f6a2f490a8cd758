// The router: per operation, security, lenient binding, body parsing,
// express-openapi-validator (requests and responses), the handler, and the error shape.
import express, { type Request, type RequestHandler, type Router } from "express";
import * as OpenApiValidator from "express-openapi-validator";
import { queryBinder } from "./binding.js";
import { badRequest, errorHandler, RouterError } from "./errors.js";
import type { AnyHandler, Caller, RouterOptions, UploadedFile } from "./handler.js";
import { successContentTypes } from "./media-types.js";
import { negotiate, sendBody } from "./negotiation.js";
import { type ParameterCheck, parameterCheck } from "./parameter-check.js";
import { formBodyTyper, requestBinder } from "./request-binding.js";
import { stateOf } from "./request-state.js";
import { authorizer } from "./security.js";
import type { ApiSpec, HttpMethod, OperationSpec } from "./spec.js";
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
function checkParameters(check: ParameterCheck): RequestHandler {
  return (req, _res, next) => {
    const state = stateOf(req);
    const found = check({ query: state.query ?? {}, path: state.path ?? {}, cookie: state.cookies ?? {} });
    if (found.length === 0) return next();
    const binding = state.bindingErrors ?? [];
    next(badRequest([...binding, ...found.filter((f) => !binding.some((b) => b.field === f.field))]));
  };
}

function invoke(operation: OperationSpec, handler: AnyHandler, validateResponses: boolean): RequestHandler {
  const offered = successContentTypes(Object.entries(operation.responses));
  return async (req, res, next) => {
    try {
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
    } catch (error) {
      next(error);
    }
  };
}

/** The operation's route under each server's base path (already in Express syntax). */
function routePaths(spec: ApiSpec, operation: OperationSpec): string[] {
  return spec.basePaths.map((base) => `${base}${operation.expressPath}`);
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
function refuseBody(operation: OperationSpec): RequestHandler {
  const message = `${operation.method.toUpperCase()} ${operation.path} takes no request body.`;
  return (req, _res, next) => {
    if (!hasBody(req)) return next();
    next(
      new RouterError(
        { status: 400, code: "BodyNotAllowed", message, errors: [{ field: "body", code: "BodyNotAllowed", message }] },
        { Connection: "close" },
      ),
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
  const validateRequests = options.validateRequests !== false;
  const validateResponses = options.validateResponses !== false;
  const validator = (requests: boolean) =>
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
  const validatorsFor = (operation: OperationSpec): RequestHandler[] => (needsValidator(operation) ? withRequests : responsesOnly);
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
      routePaths(spec, operation),
      ...(operation.takesBody ? [] : [refuseBody(operation)]),
      authorizer(operation, spec, opts),
      queryBinder(operation, maxPairs, apiKeyQueryNames(operation, spec), needsValidator(operation)),
      // Steps with nothing to do for an operation are not mounted: each is a layer Express
      // dispatches through on every request.
      ...(bindsPathOrCookies(operation) || needsValidator(operation) ? [requestBinder(operation)] : []),
      ...(validateRequests ? [checkParameters(parameterCheck(spec.document, operation))] : []),
      ...(operation.takesBody ? [bodyParsers] : []),
      ...(operation.formFields ? [formBodyTyper(operation)] : []),
      ...validatorsFor(operation),
      invoke(operation, handler, validateResponses),
    );
  }
  const methodsByPath = new Map<string, HttpMethod[]>();
  for (const operation of spec.operations) {
    for (const path of routePaths(spec, operation)) methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), operation.method]);
  }
  for (const [path, methods] of methodsByPath) router.all(path, methodNotAllowed(methods));
  router.use(errorHandler(opts));
  return router;
}
