// An operation's steps, run in order by one small loop. Express's router would dispatch
// each as a layer of its own (matched, logged for debugging, handed a next closure) on
// every request; a step here returns to go on and throws to answer with an error.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from "express";

/** One thing the router does for an operation: returns (or resolves) to go on, throws (or rejects) to fail. */
export type Step = (req: Request, res: Response) => void | Promise<void>;

/** Express middleware among the steps (a body parser, express-openapi-validator): next() goes on, next(error) fails. */
export interface MiddlewareStep {
  readonly middleware: RequestHandler;
}

export function fromMiddleware(middleware: RequestHandler): MiddlewareStep {
  return { middleware };
}

/**
 * Middleware may call next(error) again after it went on: express-openapi-validator checks
 * a response inside res.json, long after its step. That error is the request's answer.
 */
function runMiddleware(middleware: RequestHandler, req: Request, res: Response, lateError: (error: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    middleware(req, res, (error?: unknown) => {
      if (settled) {
        if (error) lateError(error);
        return;
      }
      settled = true;
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Runs `steps` in order; the first error ends the chain at `onError`. The last step answers. */
export function chain(steps: readonly (Step | MiddlewareStep)[], onError: ErrorRequestHandler): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      for (const step of steps) {
        const pending =
          typeof step === "function" ? step(req, res) : runMiddleware(step.middleware, req, res, (error) => onError(error, req, res, next));
        if (pending !== undefined) await pending;
      }
    } catch (error) {
      onError(error, req, res, next);
    }
  };
}
