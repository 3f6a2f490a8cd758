// What every response, and every operation of the spec, gets before the generated router
// sees the request: hardening headers (helmet) and no caching of authenticated data. (A
// body where the spec declares none is refused by the generated router itself.)
import express, { type RequestHandler, type Router } from "express";
import helmet from "helmet";
import { apiSpec } from "../../generated/server.js";
import { docsPolicy } from "./docs-policy.js";

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

// Customer data is per caller: no shared cache may keep it, no browser may store it.
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader("Cache-Control", "no-store");
  next();
};

export function operationGuards(): Router {
  const router = express.Router();
  for (const operation of apiSpec.operations) {
    if (operation.security.length > 0) router[operation.method](operation.expressPath, noStore);
  }
  return router;
}
