// What every response gets before the generated router sees the request: hardening
// headers (helmet), and the docs page's own policy. (No caching of a secured operation's
// answers, and refusing a body where the spec declares none, are the router's own.)
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
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

/**
 * The headers securityHeaders() sets, as one object. They depend on nothing in the
 * request, so the app works them out once, by running helmet on a response of its own,
 * and gives them to every response as defaults (setDefaultHeaders), written with the head.
 */
export function securityHeaderValues(): Record<string, string> {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  let done = false;
  securityHeaders()(res.req as never, res as never, () => {
    done = true;
  });
  if (!done) throw new Error("helmet did not set its headers at once");
  return Object.fromEntries(Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]));
}

/** The docs page's own policy, as a header, where frame-ancestors takes effect. */
export function docsSecurityHeaders(): RequestHandler {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: { ...docsPolicy, "frame-ancestors": ["'none'"] } });
}
