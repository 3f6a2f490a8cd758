// createHttpServer: the server serve.ts listens with. Requests and responses are made with
// the Express app's own prototypes, so Express has none to swap on arrival; everything an
// app reads from them works as under app.listen.
import { IncomingMessage, ServerResponse } from "node:http";
import { setFlagsFromString } from "node:v8";
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { listen, type Running } from "./support/http.js";

// V8's own check of whether an object keeps fast (hidden-class) properties or fell back
// to a dictionary, which Node's HTTP code reads far more slowly.
setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = new Function("o", "return %HasFastProperties(o)") as (o: object) => boolean;

const app = express();
app.set("query parser", "simple");
app.get("/echo", (req, res) => {
  res.setHeader("X-Seen", "yes");
  res.status(201).json({
    ownPrototypes: arrivedAsOwn.get(req),
    fastProperties: hasFastProperties(req) && hasFastProperties(res),
    nodeObjects: req instanceof IncomingMessage && res instanceof ServerResponse,
    query: req.query,
    accepts: req.accepts(["text/csv", "application/json"]),
    ip: req.ip,
  });
});

// Whether each request and its response had the app's prototypes before Express saw them.
const arrivedAsOwn = new WeakMap<IncomingMessage, boolean>();
let running: Running;
let baseUrl: string;
beforeAll(async () => {
  // listen() is createHttpServer's, as serve.ts's; this listener runs before the app's.
  running = await listen(app);
  running.server.prependListener("request", (req, res) => {
    arrivedAsOwn.set(req, Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
  });
  baseUrl = running.baseUrl;
});
afterAll(() => running.close());

it("hands the app requests and responses made with its prototypes, with fast properties, which behave as Express's", async () => {
  const response = await fetch(`${baseUrl}/echo?a=1`, { headers: { accept: "application/json" } });
  expect(response.status).toBe(201);
  expect(response.headers.get("x-seen")).toBe("yes");
  expect(await response.json()).toEqual({
    ownPrototypes: true,
    fastProperties: true,
    nodeObjects: true,
    query: { a: "1" },
    accepts: "application/json",
    ip: "127.0.0.1",
  });
});

it("keeps the connection for the next request, and answers a route it lacks with Express's 404", async () => {
  const [first, second] = await Promise.all([fetch(`${baseUrl}/echo`), fetch(`${baseUrl}/missing`)]);
  expect(first.status).toBe(201);
  expect(second.status).toBe(404);
  expect(first.headers.get("connection")).toBe("keep-alive");
});
