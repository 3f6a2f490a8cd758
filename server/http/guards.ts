// What every response, and every operation of the spec, gets before the generated router
// sees the request: hardening headers (helmet) and no caching of authenticated data. (A
// body where the spec declares none is refused by the generated router itself.)
import type { RequestHandler } from "express";
import helmet from "helmet";
import { apiSpec } from "../../generated/server.js";
import { forMethod, pathTable } from "../../generated/runtime/path-match.js";
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

/**
 * Customer data is per caller: no shared cache may keep it, no browser may store it. The
 * secured operations are found as the generated router finds them.
 */
export function operationGuards(): RequestHandler {
  const secured = new Map<string, Map<string, true>>();
  for (const operation of apiSpec.operations) {
    if (operation.security.length === 0) continue;
    for (const base of apiSpec.basePaths) {
      const path = `${base}${operation.path}`;
      secured.set(path, (secured.get(path) ?? new Map()).set(operation.method.toUpperCase(), true));
    }
  }
  const find = pathTable(secured);
  return (req, res, next) => {
    let isSecured: boolean;
    try {
      const methods = find(req.path)?.value;
      isSecured = methods !== undefined && forMethod(methods, req.method) === true;
    } catch {
      // A parameter that is not valid percent-encoding: the router's 400, not cached either.
      isSecured = true;
    }
    if (isSecured) res.setHeader("Cache-Control", "no-store");
    next();
  };
}
