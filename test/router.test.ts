// The generated router on our spec, with a fake handler that echoes what it was given:
// lenient binding, 401 vs 403, one 400 entry per invalid field, negotiation, and the
// response validation that stops a handler from sending what the spec forbids.
import express from "express";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createRouter,
  errorHandler,
  JsonText,
  notFoundHandler,
  streamJsonArray,
  type Handlers,
  type ListCustomersInput,
} from "../generated/server.js";
import type { CustomerInfo, ListCustomersResponse } from "../generated/schema.js";
import { errorBody } from "../server/http/error-body.js";
import { basic, listen, type Running } from "./support/http.js";

interface TestCaller {
  name: string;
  roles: string[];
}

const users: Record<string, TestCaller> = {
  admin: { name: "admin", roles: ["SystemAdministrator"] },
  nobody: { name: "nobody", roles: [] },
};

let lastInput: ListCustomersInput<TestCaller> | undefined;

function customer(id: string): CustomerInfo {
  return { id, accountId: "acc_0001", name: `Customer ${id}` };
}

const handlers: Handlers<TestCaller> = {
  async listCustomers(input) {
    lastInput = input;
    const { query } = input;
    if (input.accept === "text/csv") {
      return {
        status: 200,
        contentType: "text/csv",
        body: "Id\r\nc1\r\n",
        headers: { "Content-Disposition": "attachment;filename=ListCustomers.csv" },
      };
    }
    if (query.nameFilter === "break-the-contract") {
      // A body the spec forbids: `name` must be a string. Response validation must catch it.
      return { status: 200, body: { items: [{ id: "c1", accountId: "a", name: 42 as unknown as string }] } };
    }
    if (query.nameFilter === "spliced") {
      // Stored text spliced into the page: sent as it is once response validation is off.
      const stored = JsonText.trusted<CustomerInfo>(` { "id": "cus_0003", "accountId": "acc_0001", "name": "Stored" }`);
      return { status: 200, body: JsonText.of<ListCustomersResponse>({ items: [stored], totalCount: 1, hasMorePages: false }) };
    }
    if (query.nameFilter === "break-the-contract-in-text") {
      return { status: 200, body: JsonText.trusted<ListCustomersResponse>(`{"items":[{"id":"c1","accountId":"a","name":42}]}`) };
    }
    if (query.all) {
      return {
        status: 200,
        body: streamJsonArray<ListCustomersResponse, "items">(
          "items",
          [customer("cus_0001"), JsonText.of(customer("cus_0002"))],
          (count) => ({
            totalCount: count,
            hasMorePages: false,
          }),
        ),
      };
    }
    return { status: 200, body: { items: [customer("cus_0001")], totalCount: 1, totalPages: 1, hasMorePages: false } };
  },
  async listCustomersJson(input) {
    lastInput = { ...input, accept: "application/json" };
    return { status: 200, body: { items: [customer("cus_json")], totalCount: 1, totalPages: 1, hasMorePages: false } };
  },
  async listCustomersCsv() {
    return { status: 200, body: "Id\r\nc1\r\n" };
  },
};

let server: Running;
const admin = { authorization: basic("admin", "pw") };

beforeAll(async () => {
  const app = express();
  app.use(
    createRouter(handlers, {
      errorBody,
      realm: "Evo Voice",
      authenticate: (credentials) => {
        if (credentials.type === "basic" && credentials.password === "pw") return users[credentials.username];
        if (credentials.type === "bearer" && credentials.token === "key-admin") return users.admin;
        return undefined;
      },
    }),
  );
  app.use(notFoundHandler(), errorHandler({ errorBody }));
  server = await listen(app);
});

afterAll(() => server.close());

beforeEach(() => {
  lastInput = undefined;
});

async function get(path: string, headers: Record<string, string> = admin) {
  const response = await fetch(server.baseUrl + path, { headers });
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { response, status: response.status, text, json: type.includes("json") ? JSON.parse(text) : undefined };
}

/** A request that must reach the handler: 200, and the input the handler got for it (not a previous one). */
async function handled(path: string, headers: Record<string, string> = admin): Promise<ListCustomersInput<TestCaller>> {
  lastInput = undefined;
  const { status, text } = await get(path, headers);
  expect(status, text).toBe(200);
  expect(lastInput).toBeDefined();
  return lastInput!;
}

describe("lenient query binding", () => {
  it("matches parameter names case-insensitively and coerces types", async () => {
    const { query } = await handled("/customers?NameFilter=acme&COUNTPERPAGE=10&page=2&ShallowParent=true");
    expect(query).toMatchObject({ nameFilter: "acme", countPerPage: 10, page: 2, shallowParent: true });
  });

  it("accepts comma-joined, repeated and bracketed lists, and mixes of them", async () => {
    expect((await handled("/customers?tagIds=a,b")).query.tagIds).toEqual(["a", "b"]);
    expect((await handled("/customers?tagIds=a&tagIds=b")).query.tagIds).toEqual(["a", "b"]);
    expect((await handled("/customers?tagIds=[a,b]")).query.tagIds).toEqual(["a", "b"]);
    expect((await handled("/customers?TagIds=[a,b]&tagids=c")).query.tagIds).toEqual(["a", "b", "c"]);
  });

  it("skips empty values instead of rejecting them", async () => {
    const { query } = await handled("/customers?nameFilter=&page=&tagIds=&accountIds=a,,b");
    expect(query.nameFilter).toBeUndefined();
    expect(query.tagIds).toBeUndefined();
    expect(query.page).toBe(0);
    expect(query.accountIds).toEqual(["a", "b"]);
  });

  it("matches enum values and booleans case-insensitively", async () => {
    const { query } = await handled("/customers?sortField=DATECREATED&sortOrder=descend&all=False");
    expect(query).toMatchObject({ sortField: "dateCreated", sortOrder: "Descend", all: false });
  });

  it("applies the spec's defaults", async () => {
    const { query } = await handled("/customers");
    expect(query).toEqual({
      page: 0,
      countPerPage: 25,
      all: false,
      simplifiedPaging: false,
      shallowParent: false,
      sortField: "name",
      sortOrder: "Ascend",
    });
  });

  it("keeps characters that must be literal (quotes, percent, parentheses, brackets inside values)", async () => {
    const filter = "O'Brien (100%) _x_ \\";
    expect((await handled(`/customers?nameFilter=${encodeURIComponent(filter)}`)).query.nameFilter).toBe(filter);
  });
});

describe("security", () => {
  it("answers 401 with WWW-Authenticate and the error shape when credentials are missing", async () => {
    const { status, response, json } = await get("/customers", {});
    expect(status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('Basic realm="Evo Voice"');
    expect(json.responseStatus).toMatchObject({ errorCode: "Unauthorized", message: "Not Authenticated" });
  });

  it("marks every answer of a secured operation no-store, its errors too", async () => {
    for (const headers of [admin, {}]) {
      const { response } = await get("/customers", headers);
      expect(response.headers.get("cache-control"), JSON.stringify(headers)).toBe("no-store");
    }
  });

  it("answers 401 for a wrong password and for a malformed header", async () => {
    expect((await get("/customers", { authorization: basic("admin", "wrong") })).status).toBe(401);
    expect((await get("/customers", { authorization: "Basic %%%" })).status).toBe(401);
    expect((await get("/customers", { authorization: "Bearer" })).status).toBe(401);
    expect(lastInput).toBeUndefined();
  });

  it("answers 403 Invalid Role for an authenticated caller without a listed role", async () => {
    const { status, json } = await get("/customers", { authorization: basic("nobody", "pw") });
    expect(status).toBe(403);
    expect(json.responseStatus).toMatchObject({ errorCode: "Forbidden", message: "Invalid Role" });
    expect(lastInput).toBeUndefined();
  });

  it("admits a bearer token and hands the caller to the handler", async () => {
    expect((await handled("/customers", { authorization: "Bearer key-admin" })).caller).toEqual(users.admin);
  });

  it("authenticates before it validates, so anonymous callers learn nothing about parameters", async () => {
    expect((await get("/customers?page=-1", {})).status).toBe(401);
    expect(lastInput).toBeUndefined();
  });
});

describe("400 in the spec's error shape", () => {
  it("names every invalid field, unknown ones included", async () => {
    const { status, json } = await get(`/customers?page=-1&countPerPage=5000&sortField=favouriteColour&bogus=1&tagIds=${"x".repeat(65)}`);
    expect(status).toBe(400);
    const fields = json.responseStatus.errors.map((e: { fieldName: string }) => e.fieldName).sort();
    expect(fields).toEqual(["bogus", "countPerPage", "page", "sortField", "tagIds"]);
    expect(lastInput).toBeUndefined();
    for (const error of json.responseStatus.errors) {
      expect(error.message).toContain(`'${error.fieldName}'`);
      expect(error.errorCode).toMatch(/^[A-Z][A-Za-z]+$/);
    }
    // ServiceStack's shape: the top-level code and message are those of the first entry.
    const [first] = json.responseStatus.errors;
    expect(json.responseStatus).toMatchObject({ errorCode: first.errorCode, message: first.message });
    const codes = Object.fromEntries(
      json.responseStatus.errors.map((e: { fieldName: string; errorCode: string }) => [e.fieldName, e.errorCode]),
    );
    expect(codes).toMatchObject({
      bogus: "NotAllowed",
      countPerPage: "LessThanOrEqual",
      page: "GreaterThanOrEqual",
      sortField: "InvalidEnumValue",
    });
  });

  it("rejects a wrong type and a repeated scalar", async () => {
    const wrongType = await get("/customers?page=two");
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.responseStatus.errors[0]).toMatchObject({ fieldName: "page", errorCode: "Type" });
    const repeated = await get("/customers?page=1&Page=2");
    expect(repeated.status).toBe(400);
    expect(repeated.json.responseStatus.errors[0]).toMatchObject({ fieldName: "page", errorCode: "Repeated" });
  });

  it("answers 404 and 405 in the error shape too", async () => {
    const missing = await get("/nowhere");
    expect(missing.status).toBe(404);
    expect(missing.json.responseStatus.errorCode).toBe("NotFound");
    const response = await fetch(`${server.baseUrl}/customers`, { method: "DELETE", headers: admin });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
    expect((await response.json()).responseStatus.errorCode).toBe("MethodNotAllowed");
  });
});

describe("responses", () => {
  it("turns a body the spec forbids into a 500 in the error shape, without leaking it", async () => {
    const { status, json, text } = await get("/customers?nameFilter=break-the-contract");
    expect(status).toBe(500);
    expect(json.responseStatus.errorCode).toBe("InternalServerError");
    expect(text).not.toContain("items");
  });

  it("checks a body given as JSON text too: what the spec forbids is a 500", async () => {
    const forbidden = await get("/customers?nameFilter=break-the-contract-in-text");
    expect(forbidden.status).toBe(500);
    expect(forbidden.text).not.toContain("items");
    const spliced = await get("/customers?nameFilter=spliced");
    expect(spliced.status).toBe(200);
    expect(spliced.json).toEqual({
      items: [{ id: "cus_0003", accountId: "acc_0001", name: "Stored" }],
      totalCount: 1,
      hasMorePages: false,
    });
  });

  it("negotiates CSV by Accept, by format and by the .csv path", async () => {
    const byAccept = await get("/customers", { ...admin, accept: "text/csv" });
    const byFormat = await get("/customers?format=csv");
    const byPath = await get("/customers.csv");
    for (const r of [byAccept, byFormat, byPath]) {
      expect(r.status).toBe(200);
      expect(r.response.headers.get("content-type")).toMatch(/^text\/csv/);
      expect(r.text).toBe("Id\r\nc1\r\n");
    }
    expect(byAccept.response.headers.get("content-disposition")).toBe("attachment;filename=ListCustomers.csv");
  });

  it("answers 406 in the error shape when Accept names nothing offered and the spec declares 406", async () => {
    for (const accept of ["application/xml", "text/html"]) {
      const { status, json } = await get("/customers", { ...admin, accept });
      expect(status).toBe(406);
      expect(json.responseStatus).toEqual({
        errorCode: "NotAcceptable",
        message: "None of the media types in Accept is offered: application/json, text/csv.",
        errors: [],
      });
    }
    // The format parameter wins over Accept; an operation without a 406 sends its default.
    expect((await get("/customers?format=json", { ...admin, accept: "application/xml" })).status).toBe(200);
    expect((await get("/customers.csv", { ...admin, accept: "application/xml" })).status).toBe(200);
  });

  it("serves ServiceStack's .json path next to .csv", async () => {
    const { status, json, response } = await get("/customers.json?countPerPage=1");
    expect(status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json).toEqual({ items: [customer("cus_json")], totalCount: 1, totalPages: 1, hasMorePages: false });
    expect(lastInput?.query.countPerPage).toBe(1);
  });

  it("streams a JSON body that parses to the declared shape", async () => {
    const { status, json } = await get("/customers?all=true");
    expect(status).toBe(200);
    expect(json).toEqual({ items: [customer("cus_0001"), customer("cus_0002")], totalCount: 2, hasMorePages: false });
  });
});

describe("JsonText", () => {
  it("splices text parts into a serialized value, leaving out what JSON.stringify leaves out", () => {
    const part = JsonText.trusted<CustomerInfo>(`{"id":"cus_0009","accountId":"acc_0001","name":"A"}`);
    const when = new Date(Date.UTC(2026, 0, 2));
    const value = { items: [part, customer("cus_0010"), undefined], hasMorePages: true, totalCount: undefined, at: when };
    const text = JsonText.of<unknown>(value).text;
    expect(text).toBe(
      `{"items":[${part.text},${JSON.stringify(customer("cus_0010"))},null],"hasMorePages":true,"at":"2026-01-02T00:00:00.000Z"}`,
    );
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ ...value, items: [JSON.parse(part.text), customer("cus_0010"), null] })));
  });
});

describe("with validation off (the benchmark's baseline)", () => {
  it("still hands the handler typed values with the spec's defaults", async () => {
    const app = express();
    app.use(createRouter(handlers, { errorBody, validateRequests: false, validateResponses: false, authenticate: () => users.admin }));
    const bare = await listen(app);
    try {
      const response = await fetch(`${bare.baseUrl}/customers?Page=3&tagIds=[a,b]`, { headers: admin });
      expect(response.status).toBe(200);
      expect(lastInput?.query).toMatchObject({ page: 3, countPerPage: 25, all: false, tagIds: ["a", "b"], sortOrder: "Ascend" });
      // Without response validation, JSON text leaves as it was stored: not parsed, not re-serialized.
      const spliced = await fetch(`${bare.baseUrl}/customers?nameFilter=spliced`, { headers: admin });
      expect(await spliced.text()).toBe(
        `{"items":[ { "id": "cus_0003", "accountId": "acc_0001", "name": "Stored" }],"totalCount":1,"hasMorePages":false}`,
      );
      expect(spliced.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(spliced.headers.get("etag")).toBeNull();
      // HEAD answers with the headers of GET and no body.
      const head = await fetch(`${bare.baseUrl}/customers?nameFilter=spliced`, { method: "HEAD", headers: admin });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe(spliced.headers.get("content-length"));
      expect(await head.text()).toBe("");
    } finally {
      await bare.close();
    }
  });
});
