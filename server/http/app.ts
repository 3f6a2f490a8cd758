// The Express app: request logging with a request id, the generated router with our
// handlers and auth, and the error shape for everything else.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import { clientUrl, createRouter, errorHandler, notFoundHandler, responseHeaders, setDefaultHeaders } from "../../generated/server.js";
import { createAuthenticate } from "../auth/callers.js";
import { CredentialVerifier } from "../auth/credentials.js";
import { LOGIN_LIMITS, type LoginLimits, LoginThrottle } from "../auth/throttle.js";
import { docsRoutes } from "./docs-routes.js";
import { errorBody } from "./error-body.js";
import { securityHeaderValues } from "./guards.js";
import { listCustomersHandlers } from "./list-customers.js";
import type { Store } from "../store/contract.js";

export interface AppOptions {
  store: Store;
  logger: Logger;
  /** 5xx bodies carry the error message (never a stack). */
  development?: boolean;
  /** Turn off express-openapi-validator (benchmarks compare with and without it). */
  validate?: boolean;
  /**
   * Check responses against the spec (default: as `validate`). Production may turn it off:
   * customers are checked when they are written, and sent as the text that was checked.
   */
  validateResponses?: boolean;
  /** Failed sign-ins allowed per username and per client address (see auth/throttle.ts). */
  loginLimits?: LoginLimits;
}

// A caller-supplied id is kept only if it is short and plain, so it cannot forge log lines.
const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && requestIdPattern.test(given) ? given : randomUUID();
}

export function createApp(options: AppOptions): Express {
  const { store, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  // Every secured operation's response is Cache-Control: no-store (the generated router),
  // so no client revalidates with an ETag; hashing each 35 KB page for one would be work
  // for nothing.
  app.set("etag", false);
  app.set("query parser", "simple");
  // Every response names its request, logged or not, so a client can quote it, and
  // carries the hardening headers (helmet's, worked out once).
  const hardening = securityHeaderValues();
  app.use((req, res, next) => {
    const id = requestId(req);
    (req as IncomingMessage & { id?: string }).id = id;
    setDefaultHeaders(res, hardening);
    setDefaultHeaders(res, { "X-Request-Id": id });
    next();
  });
  // A silent logger writes nothing, so it gets no per-request child logger to write it with.
  if (logger.level !== "silent") {
    app.use(
      pinoHttp({
        logger,
        genReqId: (req) => (req as IncomingMessage & { id: string }).id,
        serializers: {
          // The URL as the client sent it, not as lenient binding rewrote it.
          req: (req: { id: unknown; method: string; raw: express.Request }) => ({
            id: req.id,
            method: req.method,
            url: clientUrl(req.raw),
          }),
          // Its defaults too, which a page writes with its head rather than one by one.
          res: (res: { statusCode: number; raw: ServerResponse }) => ({ statusCode: res.statusCode, headers: responseHeaders(res.raw) }),
        },
      }),
    );
  }
  const exposeErrors = options.development ?? false;
  const onError = (error: unknown, req: express.Request) => (req.log ?? logger).error({ err: error }, "request failed");
  app.use(
    createRouter(listCustomersHandlers(store), {
      authenticate: createAuthenticate(new CredentialVerifier(store), new LoginThrottle(options.loginLimits ?? LOGIN_LIMITS)),
      errorBody,
      realm: "Evo Voice",
      exposeErrors,
      onError,
      validateRequests: options.validate ?? true,
      validateResponses: options.validateResponses ?? options.validate ?? true,
    }),
  );
  // After the operations: the generated router hands on only paths the spec does not
  // declare, so API requests never pass through the docs routes.
  app.use(docsRoutes());
  app.use(notFoundHandler(), errorHandler({ errorBody, exposeErrors, onError }));
  return app;
}
