// Default headers (the request id, hardening, no-store): what a response sends when it
// sets the same name itself, and that every way of sending writes them, on the server
// serve.ts runs (createHttpServer, which writes them with the head) and on an app served
// by plain http.createServer (app.listen), which gets them with setHeader.
import { createServer } from "node:http";
import { setFlagsFromString } from "node:v8";
import express, { type Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { responseHeaders, setDefaultHeaders } from "../generated/server.js";
import { listen, type Running } from "./support/http.js";

setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = new Function("o", "return %HasFastProperties(o)") as (o: object) => boolean;

/** responseHeaders(res) as each response finished (what request logs read), by server and path. */
const logged = new Map<string, Record<string, unknown>>();

function app(name: string): Express {
  const app = express();
  // As ours: Express's own X-Powered-By, set one by one, would leave writeHead nothing to do alone.
  app.disable("x-powered-by");
  app.use((req, res, next) => {
    setDefaultHeaders(res, { "X-Frame-Options": "DENY", "X-Request-Id": "req-1" });
    res.on("finish", () => logged.set(`${name} ${req.path}`, responseHeaders(res)));
    next();
  });
  app.get("/plain", (_req, res) => {
    res.end("plain");
  });
  app.get("/fast", (_req, res) => {
    res.writeHead(201, { "Content-Type": "text/plain", "Content-Length": 4 });
    res.end("fast");
  });
  app.get("/own-before", (_req, res) => {
    res.setHeader("x-frame-options", "SAMEORIGIN");
    setDefaultHeaders(res, { "X-Frame-Options": "DENY" });
    res.end();
  });
  app.get("/own-after", (_req, res) => {
    res.setHeader("X-Frame-Options", "SAMEORIGIN");
    res.end();
  });
  app.get("/later-default", (_req, res) => {
    setDefaultHeaders(res, { "x-request-id": "req-2" });
    res.end();
  });
  app.get("/given", (_req, res) => {
    res.writeHead(202, "Taken", { "X-FRAME-OPTIONS": "SAMEORIGIN", "Cache-Control": "max-age=5" });
    res.end();
  });
  app.get("/given-after-set", (_req, res) => {
    res.setHeader("Cache-Control", "max-age=5");
    res.writeHead(200, { "x-Frame-Options": "SAMEORIGIN" });
    res.end();
  });
  app.get("/given-array", (_req, res) => {
    res.writeHead(200, ["X-Frame-Options", "SAMEORIGIN"]);
    res.end();
  });
  app.get("/json", (_req, res) => {
    res.status(404).json({ missing: true });
  });
  app.get("/streamed", (_req, res) => {
    res.write("a");
    res.end("b");
  });
  app.get("/fast-properties", (_req, res) => {
    res.json({ fast: hasFastProperties(res) });
  });
  return app;
}

const servers: Record<string, Running> = {};
beforeAll(async () => {
  servers.createHttpServer = await listen(app("createHttpServer"));
  servers["http.createServer"] = await listen(app("http.createServer"), createServer);
});
afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
});

describe.each(["createHttpServer", "http.createServer"])("on %s", (name) => {
  const get = async (path: string) => {
    const response = await fetch(servers[name]!.baseUrl + path);
    return { status: response.status, statusText: response.statusText, headers: response.headers, text: await response.text() };
  };

  it.each(["/plain", "/fast", "/json", "/streamed"])("sends them however %s answers", async (path) => {
    const response = await get(path);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-request-id")).toBe("req-1");
  });

  it("sends the headers writeHead is given beside them, with its status and body", async () => {
    const response = await get("/fast");
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.headers.get("content-length")).toBe("4");
    expect(response.text).toBe("fast");
  });

  it.each(["/own-before", "/own-after"])("lets a header the response sets itself win (%s)", async (path) => {
    // Once each: a default sent as well would read "SAMEORIGIN, DENY".
    expect((await get(path)).headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("lets a later default replace an earlier one", async () => {
    expect((await get("/later-default")).headers.get("x-request-id")).toBe("req-2");
  });

  it.each(["/given", "/given-after-set", "/given-array"])("lets headers given to writeHead win, whatever their case (%s)", async (path) => {
    const response = await get(path);
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("x-request-id")).toBe("req-1");
  });

  it("keeps writeHead's status message and the headers set before it", async () => {
    const given = await get("/given");
    expect([given.status, given.statusText, given.headers.get("cache-control")]).toEqual([202, "Taken", "max-age=5"]);
    expect((await get("/given-after-set")).headers.get("cache-control")).toBe("max-age=5");
  });

  it("lists defaults and its own headers in responseHeaders, for request logs", async () => {
    await get("/fast");
    await get("/own-after");
    expect(logged.get(`${name} /fast`)).toMatchObject({ "x-frame-options": "DENY", "x-request-id": "req-1", "content-type": "text/plain" });
    expect(logged.get(`${name} /own-after`)).toMatchObject({ "x-frame-options": "SAMEORIGIN", "x-request-id": "req-1" });
  });

  it("leaves the response with fast properties", async () => {
    expect(JSON.parse((await get("/fast-properties")).text)).toEqual({ fast: true });
  });
});
