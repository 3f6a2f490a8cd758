// What the router's middlewares learn about a request and hand on to the next one: kept
// under one symbol, so nothing collides with the app's own request properties.
import type { Request } from "express";
import type { FieldFailure } from "./handler.js";

export interface RequestState {
  /** The URL as the client sent it, before lenient binding rewrote it. */
  originalUrl?: string;
  /** Binding failures, reported together with the validator's in one 400. */
  bindingErrors?: FieldFailure[];
  /** The binder's typed query values, defaults applied. */
  query?: Record<string, unknown>;
  /** Typed path parameters, whatever their style. */
  path?: Record<string, unknown>;
  /** Typed cookie parameters the operation declares. */
  cookies?: Record<string, unknown>;
  /** The authenticated caller, once security has run. */
  caller?: unknown;
}

const stateKey = Symbol("openapi-router.state");

export function stateOf(req: Request): RequestState {
  const holder = req as Request & { [stateKey]?: RequestState };
  holder[stateKey] ??= {};
  return holder[stateKey];
}
