// Property-based tests (fast-check) against the real server on a seeded database.
// Valid queries are built from the spec's own parameter schemas and checked against a
// plain model of the rules; hostile input must always get a 4xx in the error shape;
// no query ever reaches outside the caller's scope. fast-check prints the seed and the
// shrunk counterexample of any failure, so it can be replayed with { seed, path }.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "../client/index.js";
import type { CustomerInfo, ListCustomersQuery, ListCustomersResponse } from "../generated/schema.js";
import { demoData, DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { foldName } from "../server/store/sqlite/names.js";
import { basic } from "./support/http.js";
import { hostileText, percentEncode, withControl, withLoneSurrogate } from "./support/hostile-text.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { schemaErrors } from "./support/spec-schemas.js";

const CUSTOMERS = 300;
const RUNS = { valid: 500, scope: 300, invalid: 500, hostile: 500, controls: 150 };
const demo = demoData(CUSTOMERS);
const userOf = (name: string) => demo.users.find((u) => u.username === name)!;

// ---------------------------------------------------------------------------------------
// The spec's parameter schemas, read from the bundled document.
// ---------------------------------------------------------------------------------------

interface Schema {
  type?: string | string[];
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  items?: Schema;
  $ref?: string;
}

const spec = (await import("../generated/openapi.json", { with: { type: "json" } })).default as unknown as {
  paths: Record<string, { get: { parameters: { $ref: string }[] } }>;
  components: { parameters: Record<string, { name: string; schema: Schema }>; schemas: Record<string, Schema> };
};

function deref(schema: Schema): Schema {
  return schema.$ref ? spec.components.schemas[schema.$ref.split("/").pop()!]! : schema;
}

const parameters = spec.paths["/customers"]!.get.parameters.map((p) => {
  const parameter = spec.components.parameters[p.$ref.split("/").pop()!]!;
  return { name: parameter.name, schema: deref(parameter.schema) };
});

// ---------------------------------------------------------------------------------------
// The server and the full listing the model works from.
// ---------------------------------------------------------------------------------------

let server: TestServer;
let everyone: CustomerInfo[];
const clients: Record<string, ApiClient> = {};

beforeAll(async () => {
  // Hundreds of wrong passwords from one address, for longer than a success stays cached:
  // the default limits would throttle the good requests too. test/throttle.test.ts tests them.
  const lenient = { attempts: 1_000_000, seconds: 60 };
  server = await startTestServer({
    name: "properties",
    customers: CUSTOMERS,
    app: { loginLimits: { perUsername: lenient, perAddress: lenient } },
  });
  for (const user of ["sysadmin", "manager", "customer"]) {
    clients[user] = createApiClient({ baseUrl: server.baseUrl, auth: { username: user, password: DEMO_PASSWORD } });
  }
  everyone = (await clients.sysadmin!.listCustomers({ all: true })).data!.items;
});

afterAll(async () => {
  await server?.close();
});

// ---------------------------------------------------------------------------------------
// Arbitraries from the schemas. Pools of real ids and name fragments make filters hit.
// ---------------------------------------------------------------------------------------

function idPool(name: string): string[] {
  if (name === "accountIds") return demo.accounts.map((a) => a.id!);
  if (name === "tagIds") return demo.tags.map((t) => t.id!);
  return everyone.map((c) => c.id);
}

function arbitraryFor(name: string, schema: Schema): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (type === "boolean") return fc.boolean();
  if (type === "integer") {
    const min = schema.minimum ?? -(2 ** 31);
    const max = schema.maximum ?? 2 ** 31 - 1;
    // Mostly small values, where the data is; sometimes anywhere in the declared range.
    return fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 3) }) },
      { weight: 2, arbitrary: fc.integer({ min, max: Math.min(max, min + 40) }) },
      { weight: 1, arbitrary: fc.integer({ min, max }) },
    );
  }
  if (type === "array") {
    const pool = [...idPool(name), "unknown_id_1"];
    return fc.subarray(pool, { minLength: 1, maxLength: Math.min(schema.maxItems ?? 5, 3) });
  }
  const maxLength = schema.maxLength ?? 50;
  const fragments = everyone.flatMap((c) => [c.name.slice(0, 3), c.name.slice(2, 6).toUpperCase()]);
  return fc.oneof(
    fc.constantFrom(...fragments),
    fc.string({ maxLength: Math.min(maxLength, 6) }),
    fc.constantFrom("%", "_", "'", "\\", "é", "東京", "o'b"),
  );
}

/** Any subset of the parameters, each from its own schema; JSON only (CSV has its own tests). Built once the data is loaded. */
function validQuery(): fc.Arbitrary<ListCustomersQuery> {
  // A few parameters at a time: with all of them ANDed together almost every query would
  // match nothing, and the model would only ever be compared on empty pages.
  const jsonParameters = parameters.filter((p) => p.name !== "format");
  return fc
    .subarray(jsonParameters, { maxLength: 4 })
    .chain((chosen) => fc.record(Object.fromEntries(chosen.map((p) => [p.name, arbitraryFor(p.name, p.schema)]))))
    .map((query) => query as ListCustomersQuery);
}

// ---------------------------------------------------------------------------------------
// The model: the rules of DESIGN.md and the issue, applied to the full listing.
// ---------------------------------------------------------------------------------------

function inScope(user: string): (c: CustomerInfo) => boolean {
  const u = userOf(user);
  if (u.roles.includes("SystemAdministrator")) return () => true;
  if (u.roles.includes("Manager")) return (c) => u.accountIds.includes(c.accountId);
  return (c) => c.id === u.customerId || !!c.breadcrumb?.some((b) => b.id === u.customerId);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  return a < b ? -1 : 1;
}

type Expected = { status: 200; body: ListCustomersResponse } | { status: 403 };

function model(user: string, q: ListCustomersQuery): Expected {
  const u = userOf(user);
  if (u.roles.includes("Manager") && q.accountIds?.some((id) => !u.accountIds.includes(id))) return { status: 403 };
  const set = (xs?: string[]) => (xs && xs.length > 0 ? new Set(xs) : undefined);
  const accounts = set(q.accountIds);
  const parents = set(q.parentCustomerIds);
  const tags = q.tagIds ?? [];
  const specific = set(q.specificIds);
  const needle = q.nameFilter ? foldName(q.nameFilter) : undefined;
  const matches = everyone
    .filter(inScope(user))
    .filter(
      (c) =>
        (!accounts || accounts.has(c.accountId)) &&
        (!needle || foldName(c.name).includes(needle)) &&
        (!parents || (q.shallowParent ? parents.has(c.parentCustomerId ?? "") : !!c.breadcrumb?.some((b) => parents.has(b.id!)))) &&
        tags.every((t) => c.tags?.some((x) => x.id === t)) &&
        (!specific || specific.has(c.id)),
    );
  const field = q.sortField ?? "name";
  const key = (c: CustomerInfo) => (field === "name" ? foldName(c.name) : (c as Record<string, unknown>)[field]);
  matches.sort((a, b) => compare(key(a), key(b)) || compare(a.id, b.id));
  if (q.sortOrder === "Descend") matches.reverse();
  const n = matches.length;
  if (q.all) {
    return {
      status: 200,
      body: q.simplifiedPaging
        ? { items: matches, hasMorePages: false }
        : { items: matches, totalCount: n, totalPages: n === 0 ? 0 : 1, hasMorePages: false },
    };
  }
  const size = q.countPerPage ?? 25;
  const page = q.page ?? 0;
  const items = matches.slice(page * size, (page + 1) * size);
  const hasMorePages = (page + 1) * size < n;
  return {
    status: 200,
    body: q.simplifiedPaging ? { items, hasMorePages } : { items, totalCount: n, totalPages: Math.ceil(n / size), hasMorePages },
  };
}

const summary = (body: ListCustomersResponse) => ({ ...body, items: body.items.map((c) => c.id) });

async function checkAgainstModel(user: string, query: ListCustomersQuery): Promise<void> {
  const result = await clients[user]!.listCustomers(query);
  const expected = model(user, query);
  expect(result.response.status).toBe(expected.status);
  if (expected.status !== 200) {
    expect(schemaErrors("ErrorResponse", result.error)).toEqual([]);
    return;
  }
  expect(schemaErrors("ListCustomersResponse", result.data)).toEqual([]);
  expect(summary(result.data!)).toEqual(summary(expected.body));
}

describe("random valid queries", () => {
  it("mostly match some customers, so comparing with the model is not comparing empty pages", () => {
    const samples = fc.sample(validQuery(), 500);
    const nonEmpty = samples.filter((q) => {
      const expected = model("sysadmin", q);
      return expected.status === 200 && expected.body.items.length > 0;
    });
    expect(nonEmpty.length).toBeGreaterThan(samples.length * 0.4);
  });
  it("answer 2xx with a valid body equal to what the model computes", async () => {
    await fc.assert(
      fc.asyncProperty(validQuery(), (query) => checkAgainstModel("sysadmin", query)),
      { numRuns: RUNS.valid },
    );
  });

  it.each(["manager", "customer"])("never reach outside the scope of %s", async (user) => {
    const allowed = new Set(everyone.filter(inScope(user)).map((c) => c.id));
    await fc.assert(
      fc.asyncProperty(validQuery(), async (query) => {
        const result = await clients[user]!.listCustomers({ ...query, all: true });
        if (result.response.status === 403) {
          // Only a manager naming an account it does not manage.
          expect(model(user, query).status).toBe(403);
          return;
        }
        expect(result.response.status).toBe(200);
        for (const c of result.data!.items) expect(allowed.has(c.id), `${c.id} is outside ${user}'s scope`).toBe(true);
        await checkAgainstModel(user, query);
      }),
      { numRuns: RUNS.scope },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Invalid and hostile input, as raw query strings and headers.
// ---------------------------------------------------------------------------------------

const names = parameters.map((p) => p.name);
const numericNames = parameters.filter((p) => p.schema.type === "integer").map((p) => p.name);
const booleanNames = parameters.filter((p) => p.schema.type === "boolean").map((p) => p.name);
const enumNames = parameters.filter((p) => p.schema.enum).map((p) => p.name);
const listNames = parameters.filter((p) => p.schema.type === "array").map((p) => p.name);

const oddCase = (name: string) => fc.mixedCase(fc.constant(name));

/** One surely-invalid pair: the request must be refused with a 4xx. */
const invalidPair: fc.Arbitrary<[string, string]> = fc.oneof(
  // A non-empty value: an unknown name with an empty value is skipped like any empty value.
  fc.tuple(
    fc.stringMatching(/^[a-z]{3,12}$/).filter((n) => !names.some((m) => m.toLowerCase() === n)),
    hostileText.filter((t) => t !== ""),
  ),
  fc.tuple(
    fc.constantFrom(...numericNames).chain(oddCase),
    fc.oneof(
      fc.constantFrom("-1", "1e309", "99999999999999999999", "2.5", "0x10", "abc", "-2147483649"),
      hostileText.filter((t) => !/^\s*\d+\s*$/.test(t) && t !== ""),
    ),
  ),
  fc.tuple(fc.constantFrom(...booleanNames).chain(oddCase), fc.constantFrom("yes", "1", "maybe", "tru", "' OR 1=1")),
  fc.tuple(fc.constantFrom(...enumNames).chain(oddCase), fc.constantFrom("password", "Sideways", "' OR 1=1 --", "name;drop")),
  fc.tuple(fc.constantFrom("nameFilter"), fc.constant("x".repeat(10_000))),
  fc.tuple(fc.constantFrom(...listNames).chain(oddCase), fc.constant("y".repeat(65))),
  fc.tuple(fc.constantFrom("countPerPage"), fc.constantFrom("0", "1001", "1000000")),
);

/** Pairs that may or may not be valid: they must never cause a 5xx. */
const anyPair: fc.Arbitrary<[string, string]> = fc.tuple(fc.constantFrom(...names).chain(oddCase), hostileText);

function encode(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
}

const goodAuth = basic("sysadmin", DEMO_PASSWORD);
const badAuth = fc.constantFrom(
  "Basic",
  "Basic !!!",
  `Basic ${Buffer.from("sysadmin").toString("base64")}`,
  "Bearer",
  "Bearer ",
  "Bearer ' OR 1=1",
  "Digest x",
  basic("sysadmin", "wrong"),
  basic("' OR 1=1 --", "x"),
  "x".repeat(5000),
);

async function send(query: string, authorization: string | undefined, path = "/customers") {
  const response = await fetch(`${server.baseUrl}${path}?${query}`, { headers: authorization ? { authorization } : {} });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type") ?? "", text };
}

describe("invalid and hostile input", () => {
  let before: string;
  beforeAll(() => {
    before = JSON.stringify(everyone);
  });

  it("always gets a 4xx in the error shape, never a 5xx", async () => {
    const request = fc.record({
      pairs: fc
        .tuple(fc.array(anyPair, { maxLength: 4 }), invalidPair, fc.array(anyPair, { maxLength: 2 }))
        .map(([a, bad, b]) => [...a, bad, ...b]),
      authorization: fc.oneof(
        { weight: 3, arbitrary: fc.constant(goodAuth) },
        { weight: 1, arbitrary: badAuth },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ pairs, authorization }) => {
        const { status, type, text } = await send(encode(pairs), authorization);
        expect(status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(type).toMatch(/^application\/json/);
        expect(schemaErrors("ErrorResponse", JSON.parse(text))).toEqual([]);
      }),
      { numRuns: RUNS.invalid },
    );
  });

  it("never gets a 5xx from odd but possibly valid values, repeated names or odd casing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyPair, { minLength: 1, maxLength: 6 }), async (pairs) => {
        const { status, type, text } = await send(encode(pairs), goodAuth);
        expect(status, text.slice(0, 300)).toBeLessThan(500);
        if (status >= 400) expect(schemaErrors("ErrorResponse", JSON.parse(text))).toEqual([]);
        else if (type.startsWith("application/json")) expect(schemaErrors("ListCustomersResponse", JSON.parse(text))).toEqual([]);
        else expect(type).toMatch(/^text\/csv/);
      }),
      { numRuns: RUNS.hostile },
    );
  });

  it("answers a control character anywhere in nameFilter with a 400 naming nameFilter, streamed or not", async () => {
    const request = fc.record({ text: withControl, all: fc.boolean(), path: fc.constantFrom("/customers", "/customers.csv") });
    await fc.assert(
      fc.asyncProperty(request, async ({ text, all, path }) => {
        const { status, text: answer } = await send(`nameFilter=${percentEncode(text)}${all ? "&all=true" : ""}`, goodAuth, path);
        const body = JSON.parse(answer);
        expect(status).toBe(400);
        expect(schemaErrors("ErrorResponse", body)).toEqual([]);
        expect(body.responseStatus.errors.map((e: { fieldName: string }) => e.fieldName)).toContain("nameFilter");
      }),
      { numRuns: RUNS.controls },
    );
  });

  it("reads a lone surrogate in nameFilter as the URL standard decodes it (U+FFFD), and answers as the model does", async () => {
    await fc.assert(
      fc.asyncProperty(withLoneSurrogate, async (text) => {
        const nameFilter = new URLSearchParams(`q=${percentEncode(text)}`).get("q")!;
        expect(nameFilter).toContain("\ufffd");
        const { status, text: body } = await send(`nameFilter=${percentEncode(text)}`, goodAuth);
        expect(status, body.slice(0, 300)).toBe(200);
        expect(summary(JSON.parse(body))).toEqual(summary((model("sysadmin", { nameFilter }) as { body: ListCustomersResponse }).body));
      }),
      { numRuns: RUNS.controls },
    );
  });

  it("leaves the data as it was", async () => {
    const after = (await clients.sysadmin!.listCustomers({ all: true })).data!.items;
    expect(JSON.stringify(after)).toBe(before);
  });
});
