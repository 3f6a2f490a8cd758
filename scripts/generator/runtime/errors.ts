// Errors: every failure leaves in the app's error shape, one entry per invalid field.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Caller, FieldFailure, RouterFailure, RouterOptions } from "./handler.js";
import { pascal, validatorFieldFailure } from "./field-failures.js";
import { stateOf } from "./request-state.js";

export class RouterError extends Error {
  constructor(
    readonly failure: RouterFailure,
    readonly headers: Readonly<Record<string, string | string[]>> = {},
  ) {
    super(failure.message);
  }
}

/** A 400 whose top-level code and message are those of the first failure, as ServiceStack's are. */
export function badRequest(errors: FieldFailure[]): RouterError {
  const first = errors[0];
  return new RouterError({ status: 400, code: first?.code ?? "BadRequest", message: first?.message ?? "Bad Request", errors });
}

// What a client can act on: a 503 says "try again", a 500 does not.
const SERVER_ERROR_CODES: Readonly<Record<number, string>> = {
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

interface ValidatorError {
  status?: number;
  message?: string;
  errors?: { path?: string; message?: string; errorCode?: string }[];
  headers?: Record<string, string>;
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
    const code = SERVER_ERROR_CODES[status] ?? "InternalServerError";
    return {
      failure: {
        status,
        code,
        message: exposeErrors && error instanceof Error ? error.message : code.replace(/(?<=[a-z])(?=[A-Z])/g, " "),
        errors: [],
      },
      // An error may say when to come back (a database that is restarting, say).
      headers: { ...(err.headers ?? {}) },
    };
  }
  if (status === 404)
    return { failure: { status, code: "NotFound", message: `No route for ${req.method} ${req.path}`, errors: [] }, headers: {} };
  if (status === 405)
    return {
      failure: { status, code: "MethodNotAllowed", message: `${req.method} is not allowed on ${req.path}`, errors: [] },
      headers: { ...(err.headers ?? {}) },
    };
  const fields = (err.errors ?? []).map(validatorFieldFailure);
  const bindingErrors = stateOf(req).bindingErrors ?? [];
  const merged = [...bindingErrors, ...fields.filter((f) => !bindingErrors.some((u) => u.field === f.field))];
  if (merged.length > 0 && status === 400) return { failure: badRequest(merged).failure, headers: {} };
  // body-parser errors (bad JSON, too large) carry an `expose`d message meant for clients.
  const message = err.expose && err.message ? err.message : (err.message ?? "Bad Request");
  return { failure: { status, code: pascal(err.type ?? "BadRequest"), message, errors: merged }, headers: {} };
}

/** Renders any error that reaches it in the app's error shape; mount it last. */
export function errorHandler<TErrorBody>(options: Pick<RouterOptions<Caller, TErrorBody>, "errorBody" | "onError" | "exposeErrors">) {
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
