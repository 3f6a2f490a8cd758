// The generated server and client at run time, on fixture specs of our own: for each
// operation a trivial handler that echoes what it received, called through the generated
// client, so both sides are checked: what the client wrote and what the handler was given.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, writeOutputs } from "../scripts/generator/pipeline.js";
import { listen, type Running } from "./support/http.js";

const root = path.resolve(import.meta.dirname, "..");

// The generated modules are imported from a temporary folder, so their own types are not
// visible here; generator.test.ts compiles the same output under strict tsc.
interface Failure {
  status: number;
  code: string;
  message: string;
  errors: readonly { field: string; code: string; message: string }[];
}
interface ServerModule {
  createRouter(handlers: object, options: object): Router;
  notFoundHandler(): RequestHandler;
  errorHandler(options: object): ErrorRequestHandler;
}
interface Result {
  data?: unknown;
  error?: unknown;
  response: Response;
}
type ClientMethod = (input?: unknown, options?: object) => Promise<Result>;
interface ClientModule {
  createApiClient(options: object): Record<string, ClientMethod>;
}

let work: string;
const servers: Running[] = [];

async function serve(
  fixture: string,
  handlers: object,
  options: { errorBody: object; authenticate?: object },
): Promise<{ url: string; client: ClientModule }> {
  const out = path.join(work, path.basename(fixture, ".yaml"));
  await writeOutputs(out, await generate({ specPath: path.join(root, fixture), lint: false }));
  const server = (await import(path.join(out, "server.ts"))) as ServerModule;
  const client = (await import(path.join(out, "client.ts"))) as ClientModule;
  const app = express();
  app.use(server.createRouter(handlers, options));
  app.use(server.notFoundHandler());
  app.use(server.errorHandler(options));
  const running = await listen(app);
  servers.push(running);
  return { url: running.baseUrl, client };
}

beforeAll(async () => {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  work = await mkdtemp(path.join(root, ".tmp", "generator-runtime-"));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(work, { recursive: true, force: true });
});

type Input = Record<string, unknown> & { files?: { field: string; fileName: string; contentType: string; data: Uint8Array }[] };
const echo = (input: Input, ...keys: string[]) => ({ status: 200, body: { received: Object.fromEntries(keys.map((k) => [k, input[k]])) } });

describe("a spec with every parameter location and style, three body kinds, a base path", () => {
  let api: Record<string, ClientMethod>;
  let url: string;

  beforeAll(async () => {
    const handlers = {
      getItem(input: Input & { path: { id: number }; accept: string }) {
        if (input.path.id === 418) return { status: 418, body: { title: "I'm a teapot", status: 418 } };
        if (input.accept === "text/csv") return { status: 200, contentType: "text/csv", body: `Id\r\n${input.path.id}\r\n` };
        return echo(input, "path", "headers", "cookies", "query");
      },
      deleteItem: () => ({ status: 204 }),
      getLabels: (input: Input) => echo(input, "path"),
      getMatrix: (input: Input) => echo(input, "path", "query"),
      createItem(input: Input & { body: { name: string; price: number } }) {
        if (input.body.name === "reject") return { status: 422, contentType: "application/problem+json", body: { title: "Rejected" } };
        return { status: 201, headers: { Location: "/api/v1/items/1" }, body: { id: 1, ...input.body } };
      },
      upload: (input: Input) => ({
        status: 200,
        body: {
          received: {
            body: input.body,
            files: input.files?.map((f) => ({ ...f, data: Buffer.from(f.data).toString("utf8") })),
          },
        },
      }),
    };
    const errorBody = (failure: Failure) => ({ title: failure.message, status: failure.status, errors: failure.errors });
    const started = await serve("test/fixtures/runtime/shop.yaml", handlers, { errorBody });
    url = `${started.url}/api/v1`;
    api = started.client.createApiClient({ baseUrl: url });
  });

  it("mounts under the server URL's base path, and nowhere else", async () => {
    const outside = await fetch(url.replace("/api/v1", "/items/7"), { headers: { "X-Trace-Id": "t" } });
    expect(outside.status).toBe(404);
  });

  it("passes a simple path parameter, a header, a cookie and a query default, typed", async () => {
    const { data, response } = await api.getItem!({ path: { id: 7 }, headers: { "X-Trace-Id": "t-1" }, cookies: { session: "s 1;x" } });
    expect(response.status).toBe(200);
    // An operation without security may be cached: the router marks only secured ones no-store.
    expect(response.headers.get("cache-control")).toBeNull();
    expect(data).toEqual({
      received: { path: { id: 7 }, headers: { "X-Trace-Id": "t-1" }, cookies: { session: "s 1;x" }, query: { verbose: false } },
    });
  });

  it("rejects a missing required header and a path value of the wrong type with 400", async () => {
    expect((await fetch(`${url}/items/7`)).status).toBe(400);
    const wrong = await fetch(`${url}/items/seven`, { headers: { "X-Trace-Id": "t" } });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ errors: [{ field: "id", code: "Type" }] });
    const undecodable = await fetch(`${url}/items/%E0%A4%A`, { headers: { "X-Trace-Id": "t" } });
    expect(undecodable.status).toBe(400);
    expect(await undecodable.json()).toMatchObject({ errors: [{ field: "id", code: "Format" }] });
  });

  it("answers in a second media type when asked, and with a default response", async () => {
    const csv = await api.getItem!({ path: { id: 7 }, headers: { "X-Trace-Id": "t" } }, { accept: "text/csv" });
    expect(csv.response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.data).toBe("Id\r\n7\r\n");
    const teapot = await api.getItem!({ path: { id: 418 }, headers: { "X-Trace-Id": "t" } });
    expect(teapot.response.status).toBe(418);
    expect(teapot.error).toEqual({ title: "I'm a teapot", status: 418 });
  });

  it("streams a non-JSON body to a for await loop", async () => {
    const { data } = await api.getItem!({ path: { id: 9 }, headers: { "X-Trace-Id": "t" } }, { accept: "text/csv", as: "stream" });
    let text = "";
    for await (const chunk of data as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString("utf8");
    expect(text).toBe("Id\r\n9\r\n");
  });

  it("sends 204 with no content", async () => {
    const { data, error, response } = await api.deleteItem!({ path: { id: 7 } });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect([data, error]).toEqual([undefined, undefined]);
  });

  it("writes and reads a label-style list path parameter", async () => {
    const { data, response } = await api.getLabels!({ path: { colors: ["red", "blue"] } });
    expect(new URL(response.url).pathname).toBe("/api/v1/labels/.red.blue");
    expect(data).toEqual({ received: { path: { colors: ["red", "blue"] } } });
    const unstyled = await fetch(`${url}/labels/red`);
    expect(unstyled.status).toBe(400);
    expect(await unstyled.json()).toMatchObject({ errors: [{ field: "colors", code: "Format" }] });
    expect((await fetch(`${url}/labels/.red.purple`)).status).toBe(400);
  });

  it("writes and reads matrix-style path parameters and a pipe-delimited query list", async () => {
    const { data, response } = await api.getMatrix!({ path: { point: 1.5, tags: ["a", "b"] }, query: { sizes: [1, 2] } });
    expect(decodeURIComponent(new URL(response.url).pathname + new URL(response.url).search)).toBe(
      "/api/v1/matrix/;point=1.5/;tags=a,b?sizes=1|2",
    );
    expect(data).toEqual({ received: { path: { point: 1.5, tags: ["a", "b"] }, query: { sizes: [1, 2] } } });
  });

  it("takes a JSON body and answers 201 with a Location header", async () => {
    const { data, response } = await api.createItem!({ body: { name: "Lamp", price: 9.5 } });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/api/v1/items/1");
    expect(data).toEqual({ id: 1, name: "Lamp", price: 9.5 });
  });

  it("takes a form-urlencoded body", async () => {
    const { data, response } = await api.createItem!(
      { body: { name: "Desk", price: 120.5 } },
      { contentType: "application/x-www-form-urlencoded" },
    );
    expect(response.status).toBe(201);
    expect(data).toEqual({ id: 1, name: "Desk", price: 120.5 });
    const cheap = await fetch(`${url}/items`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=Desk&price=cheap",
    });
    expect(cheap.status).toBe(400);
    expect(await cheap.json()).toMatchObject({ errors: [{ field: "body.price" }] });
  });

  it("rejects an invalid body with 400 naming the field, and passes a declared problem+json error", async () => {
    const bad = await api.createItem!({ body: { name: "Lamp", price: -1 } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ status: 400, errors: [{ field: "body.price" }] });
    const rejected = await api.createItem!({ body: { name: "reject", price: 1 } });
    expect(rejected.response.status).toBe(422);
    expect(rejected.response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(rejected.error).toEqual({ title: "Rejected" });
  });

  it("takes a multipart body: fields in body, files with their name, type and bytes", async () => {
    const form = new FormData();
    form.append("title", "Invoice");
    form.append("attachment", new Blob(["hello"], { type: "text/plain" }), "hello.txt");
    const { data, response } = await api.upload!({ body: form });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      received: {
        body: { title: "Invoice" },
        files: [{ field: "attachment", fileName: "hello.txt", contentType: "text/plain", data: "hello" }],
      },
    });
    const plain = await api.upload!({ body: { title: "No file" } });
    expect(plain.data).toMatchObject({ received: { body: { title: "No file" }, files: [] } });
  });
});

describe("a spec with every kind of security scheme", () => {
  let url: string;
  let client: ClientModule;

  beforeAll(async () => {
    const who = (input: { caller: { scheme: string; type: string; roles: string[] } }) => ({ status: 200, body: input.caller });
    const handlers = { withHeaderKey: who, withQueryKey: who, withCookieKey: who, withBearer: who, withOauth: who };
    const tokens: Record<string, string[]> = { reader: ["things:read"], writer: ["things:write"], plain: [] };
    const authenticate = (c: { scheme: string; type: string; key?: string; token?: string }) => {
      if (c.type === "apiKey" && c.key === `good-${c.scheme}`) return { scheme: c.scheme, type: c.type, roles: [] };
      if (c.type === "bearer" && c.token && tokens[c.token]) return { scheme: c.scheme, type: c.type, roles: tokens[c.token] };
      return undefined;
    };
    const errorBody = (failure: Failure) => ({ code: failure.code, message: failure.message });
    ({ url, client } = await serve("test/fixtures/runtime/secured.yaml", handlers, { errorBody, authenticate }));
  });

  const as = (auth?: object) => client.createApiClient({ baseUrl: url, ...(auth ? { auth } : {}) });

  it.each([
    ["header", "withHeaderKey", "headerKey"],
    ["query", "withQueryKey", "queryKey"],
    ["cookie", "withCookieKey", "cookieKey"],
  ])("reads an apiKey from the %s, where the client put it", async (_where, method, scheme) => {
    const ok = await as({ apiKey: `good-${scheme}`, scheme })[method]!();
    expect(ok.response.status).toBe(200);
    expect(ok.data).toEqual({ scheme, type: "apiKey", roles: [] });
    expect((await as({ apiKey: "bad", scheme })[method]!()).response.status).toBe(401);
    const anonymous = await as()[method]!();
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error).toEqual({ code: "Unauthorized", message: "Not Authenticated" });
  });

  it("does not count a query apiKey as an unknown query parameter", async () => {
    const ok = await as({ apiKey: "good-queryKey", scheme: "queryKey" }).withQueryKey!({ q: "x" });
    expect(new URL(ok.response.url).searchParams.get("api_key")).toBe("good-queryKey");
    expect(ok.response.status).toBe(200);
  });

  it("refuses an apiKey without a scheme when the spec has several", () => {
    expect(() => as({ apiKey: "k" })).toThrow(/headerKey, queryKey, cookieKey/);
  });

  it("reads an HTTP bearer token, and challenges without one", async () => {
    expect((await as({ bearer: "plain" }).withBearer!()).data).toEqual({ scheme: "bearer", type: "bearer", roles: [] });
    const anonymous = await as().withBearer!();
    expect(anonymous.response.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
  });

  it("enforces oauth2 scopes: 200 with the scope, 403 without it", async () => {
    expect((await as({ bearer: "reader" }).withOauth!()).response.status).toBe(200);
    const writer = await as({ bearer: "writer" }).withOauth!();
    expect(writer.response.status).toBe(403);
    expect(writer.error).toEqual({ code: "Forbidden", message: "Invalid Role" });
  });
});

describe("a spec whose operations declare no response content, or no responses at all", () => {
  it("serves whatever status the handler picks, without a body", async () => {
    const handlers = { ping: () => ({ status: 200 }), startJob: () => ({ status: 202 }), emptyResponses: () => ({ status: 205 }) };
    const { url, client } = await serve("test/fixtures/edge-cases/no-responses.yaml", handlers, { errorBody: (f: Failure) => f });
    const api = client.createApiClient({ baseUrl: url });
    for (const [method, status] of [
      ["ping", 200],
      ["startJob", 202],
      ["emptyResponses", 205],
    ] as const) {
      const { response } = await api[method]!();
      expect(response.status, method).toBe(status);
      expect(await response.text()).toBe("");
    }
  });
});
