// One contract suite, two targets: the Prism mock of the spec, and the real server on a
// seeded database reached through `prism proxy`, an independent validator of every
// response. Written only with the generated client: no hand-built URLs.
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient, type ApiResult } from "../client/index.js";
import type { ListCustomersQuery } from "../generated/schema.js";
import { DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { listen } from "./support/http.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { prismMock, prismProxy, type PrismProcess } from "./support/prism.js";
import { schemaErrors } from "./support/spec-schemas.js";

interface Target {
  name: string;
  client: (user?: string, password?: string) => ApiClient;
  /** What makes the target answer 401. Prism's proxy itself rejects a request without credentials, so the server is sent wrong ones. */
  unauthorized: { user?: string; password?: string };
  /** What makes the target answer 403: a user without a role, or Prism's Prefer. */
  forbidden: { user: string; headers: Record<string, string> };
  prism: () => PrismProcess;
}

function clientFor(baseUrl: () => string) {
  return (user?: string, password = DEMO_PASSWORD) =>
    createApiClient({ baseUrl: baseUrl(), ...(user ? { auth: { username: user, password } } : {}) });
}

interface Violation {
  location: string[];
  severity: string;
  message: string;
}

const spec = (await import("../generated/openapi.json", { with: { type: "json" } })).default as {
  paths: Record<string, { get: { parameters: { $ref: string }[] } }>;
  components: { parameters: Record<string, { name: string; example?: unknown; schema: { enum?: unknown[] } }> };
};

/** Every query parameter of ListCustomers with the example value the spec gives it. */
const parameterExamples = spec.paths["/customers"]!.get.parameters.map((p) => {
  const parameter = spec.components.parameters[p.$ref.split("/").pop()!]!;
  return { name: parameter.name, value: parameter.example ?? parameter.schema.enum?.[0] };
});

let server: TestServer;
let mock: PrismProcess;
let proxy: PrismProcess;

beforeAll(async () => {
  server = await startTestServer({ name: "contract", customers: 300 });
  [mock, proxy] = await Promise.all([prismMock(), prismProxy(server.baseUrl)]);
});

afterAll(async () => {
  await Promise.all([mock?.close(), proxy?.close()]);
  await server?.close();
});

const targets: Target[] = [
  {
    name: "the Prism mock",
    client: clientFor(() => mock.baseUrl),
    unauthorized: {},
    forbidden: { user: "sysadmin", headers: { Prefer: "code=403" } },
    prism: () => mock,
  },
  {
    name: "the real server behind prism proxy",
    client: clientFor(() => proxy.baseUrl),
    unauthorized: { user: "sysadmin", password: "not-the-password" },
    forbidden: { user: "nobody", headers: {} },
    prism: () => proxy,
  },
];

/** Prism reports what breaks the spec in `sl-violations`; any on the response side fails. */
function responseViolations(response: Response): Violation[] {
  const header = response.headers.get("sl-violations");
  const violations = header ? (JSON.parse(header) as Violation[]) : [];
  return violations.filter((v) => v.location[0] === "response");
}

function expectClean(result: ApiResult<unknown, unknown>, target: Target): void {
  expect(responseViolations(result.response), target.prism().output().slice(-2000)).toEqual([]);
}

function expectErrorShape(result: ApiResult<unknown, unknown>, status: number, target: Target): void {
  expect(result.response.status).toBe(status);
  expect(schemaErrors("ErrorResponse", result.error)).toEqual([]);
  expectClean(result, target);
}

describe.each(targets)("the contract, on $name", (target) => {
  it("lists customers: 200, a body valid per the spec", async () => {
    const result = await target.client("sysadmin").listCustomers();
    expect(result.response.status).toBe(200);
    expect(schemaErrors("ListCustomersResponse", result.data)).toEqual([]);
    expect(result.data!.items.length).toBeGreaterThan(0);
    expectClean(result, target);
  });

  it.each(parameterExamples)("accepts $name = $value", async ({ name, value }) => {
    const query = { [name]: value } as ListCustomersQuery;
    const client = target.client("sysadmin");
    const result =
      name === "format" && value === "csv" ? await client.listCustomers(query, { accept: "text/csv" }) : await client.listCustomers(query);
    expect(result.response.status).toBe(200);
    if (typeof result.data !== "string") expect(schemaErrors("ListCustomersResponse", result.data)).toEqual([]);
    expectClean(result, target);
  });

  it("pages with totals and with simplified paging", async () => {
    const client = target.client("sysadmin");
    for (const simplifiedPaging of [false, true]) {
      const result = await client.listCustomers({ page: 1, countPerPage: 5, simplifiedPaging });
      expect(result.response.status).toBe(200);
      expect(schemaErrors("ListCustomersResponse", result.data)).toEqual([]);
      expectClean(result, target);
    }
    const everything = await client.listCustomers({ all: true });
    expect(schemaErrors("ListCustomersResponse", everything.data)).toEqual([]);
    expectClean(everything, target);
  });

  it("sends CSV by Accept and on the .csv path, as text and as a stream", async () => {
    const client = target.client("sysadmin");
    const byAccept = await client.listCustomers({ countPerPage: 3 }, { accept: "text/csv" });
    const byPath = await client.listCustomersCsv({ countPerPage: 3 });
    const streamed = await client.listCustomersCsv({ countPerPage: 3 }, { as: "stream" });
    for (const result of [byAccept, byPath, streamed]) {
      expect(result.response.status).toBe(200);
      expect(result.response.headers.get("content-type")).toMatch(/^text\/csv/);
      expectClean(result, target);
    }
    expect(byAccept.data).toMatch(/^AccountId,ParentCustomerId,/);
    expect(byPath.data).toBe(byAccept.data);
    expect(await new Response(streamed.data).text()).toBe(byPath.data);
  });

  it("answers 400 in the error shape for out-of-range input", async () => {
    const result = await target.client("sysadmin").listCustomers({ countPerPage: 5000, page: -1 });
    expectErrorShape(result, 400, target);
  });

  it("answers 401 in the error shape, with WWW-Authenticate, without valid credentials", async () => {
    const result = await target.client(target.unauthorized.user, target.unauthorized.password).listCustomers();
    expectErrorShape(result, 401, target);
    expect(result.response.headers.get("www-authenticate")).toBeTruthy();
  });

  it("answers 403 in the error shape to a caller without a role", async () => {
    const result = await target.client(target.forbidden.user).listCustomers({}, { headers: target.forbidden.headers });
    expectErrorShape(result, 403, target);
  });
});

describe("the mock, for frontend developers", () => {
  it("serves the spec's named example by default and generated data on Prefer: dynamic=true", async () => {
    const client = targets[0]!.client("sysadmin");
    const example = await client.listCustomers();
    expect(example.data!.items.map((c) => c.name)).toContain("Acme Logistics");
    for (let i = 0; i < 20; i++) {
      const dynamic = await client.listCustomers({}, { headers: { Prefer: "dynamic=true" } });
      expect(dynamic.response.status).toBe(200);
      expect(schemaErrors("ListCustomersResponse", dynamic.data)).toEqual([]);
    }
  });

  it("answers cross-origin preflights, so a browser app on another port can call it", async () => {
    const response = await fetch(`${mock.baseUrl}/customers`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get("access-control-allow-origin")).toBeTruthy();
  });
});

describe("the proxy, as a referee", () => {
  it("flags a response that breaks the spec, so a clean run above means something", async () => {
    const liar = express();
    liar.get("/customers", (_req, res) => {
      res.json({ items: [{ id: 1, name: "no account" }], totalCount: "many" });
    });
    const upstream = await listen(liar);
    const referee = await prismProxy(upstream.baseUrl);
    try {
      const result = await createApiClient({
        baseUrl: referee.baseUrl,
        auth: { username: "sysadmin", password: DEMO_PASSWORD },
      }).listCustomers();
      // The violations themselves, not just any 5xx: an unreachable upstream is a 5xx too.
      const violations = responseViolations(result.response).map((v) => v.location.join("."));
      expect(violations, referee.output().slice(-2000)).toContain("response.body.items.0");
      expect(violations).toContain("response.body.totalCount");
    } finally {
      await referee.close();
      await upstream.close();
    }
  });
});
