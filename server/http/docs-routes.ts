// GET /openapi.json and GET /docs, open to everyone: the contract is public, and API
// designers and frontend developers read it before they have credentials. The generated
// router's security applies only to the paths the spec declares, which these are not.
import express, { type Response, type Router } from "express";
import { PATHS } from "../config.js";
import { errorResponse } from "./error-body.js";
import { docsSecurityHeaders } from "./guards.js";

export interface DocsRoutesOptions {
  /** The page `npm run docs` builds. */
  htmlPath?: string;
  /** The bundled spec `npm run generate` writes. */
  specPath?: string;
}

function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR");
}

/** 503, not 404: the route exists, the file is a build step away. */
function unavailable(res: Response, command: string, file: string): void {
  res.status(503).json(errorResponse("ServiceUnavailable", `${file} has not been built: run \`${command}\`.`));
}

export function docsRoutes(options: DocsRoutesOptions = {}): Router {
  const htmlPath = options.htmlPath ?? PATHS.docsHtml;
  const specPath = options.specPath ?? PATHS.bundledSpec;
  const router = express.Router();

  // Read per request (sendFile, with ETag and Last-Modified), so a rebuild shows up on
  // reload without restarting the server.
  router.get("/openapi.json", (_req, res, next) => {
    res.sendFile(specPath, { dotfiles: "allow", headers: { "Content-Type": "application/json; charset=utf-8" } }, (error) => {
      if (!error) return;
      if (isMissing(error) && !res.headersSent) unavailable(res, "npm run generate", "The bundled spec");
      else next(error);
    });
  });

  router.get("/docs", docsSecurityHeaders(), (_req, res, next) => {
    // dotfiles: the page lives under .build/, which send() would otherwise treat as hidden.
    res.sendFile(htmlPath, { dotfiles: "allow", headers: { "Content-Type": "text/html; charset=utf-8" } }, (error) => {
      if (!error) return;
      if (isMissing(error) && !res.headersSent) unavailable(res, "npm run docs", "The API documentation");
      else next(error);
    });
  });

  return router;
}
