// What every response gets before the generated router sees the request: hardening
// headers (helmet), and the docs page's own policy. (No caching of a secured operation's
// answers, and refusing a body where the spec declares none, are the router's own.)
import type { RequestHandler } from "express";
import helmet from "helmet";
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
