// What every response, and every operation of the spec, gets before the generated router
// sees the request: hardening headers (helmet), no caching of authenticated data, and no
// request body where the spec declares none.
import express, { type RequestHandler, type Router } from "express";
import helmet from "helmet";
import { apiSpec } from "../../generated/server.js";
import { docsPolicy } from "./docs-policy.js";
import { errorResponse } from "./error-body.js";

type Operation = (typeof apiSpec.operations)[number];

/**
 * helmet's defaults (nosniff, no framing, no referrer, ...) with the policy OWASP gives
 * for an API: its responses are data, never pages, so nothing may load or frame them.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { "default-src": ["'none'"], "frame-ancestors": ["'none'"] } },
    frameguard: { action: "deny" },
  });
}

/** The docs page's own policy, as a header, where frame-ancestors takes effect. */
export function docsSecurityHeaders(): RequestHandler {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: { ...docsPolicy, "frame-ancestors": ["'none'"] } });
}

function declaresBody(operation: Operation): boolean {
  const document = apiSpec.document as { paths?: Record<string, Record<string, { requestBody?: unknown } | undefined>> };
  return document.paths?.[operation.path]?.[operation.method]?.requestBody !== undefined;
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Answered from the headers alone: the body is never read, and the connection is closed
 * after the answer so the rest of it is not read either.
 */
function refuseBody(operation: Operation): RequestHandler {
  const what = `${operation.method.toUpperCase()} ${operation.path}`;
  return (req, res, next) => {
    if (!hasBody(req.headers)) return next();
    const message = `${what} takes no request body.`;
    res.setHeader("Connection", "close");
    res
      .status(400)
      .type("application/json")
      .send(JSON.stringify(errorResponse("BodyNotAllowed", message, { name: "body", message })));
  };
}

// Customer data is per caller: no shared cache may keep it, no browser may store it.
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader("Cache-Control", "no-store");
  next();
};

export function operationGuards(): Router {
  const router = express.Router();
  for (const operation of apiSpec.operations) {
    const guards = [...(declaresBody(operation) ? [] : [refuseBody(operation)]), ...(operation.security.length > 0 ? [noStore] : [])];
    if (guards.length > 0) router[operation.method](operation.expressPath, ...guards);
  }
  return router;
}
