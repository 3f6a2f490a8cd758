// The Prism mock (npm run mock) as a frontend developer uses it: `Prefer: code=N` answers
// with an example of that status's own response, and `Prefer: dynamic=true` makes data
// shaped like the real service's (ISO dates, prefixed ids), all read from the bundled spec.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic } from "./support/http.js";
import { type PrismProcess, prismMock } from "./support/prism.js";

interface Example {
  value: unknown;
}
interface SchemaObject {
  pattern?: string;
  format?: string;
  properties?: Record<string, SchemaObject>;
}

const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../generated/openapi.json"), "utf8"));
const responses = spec.paths["/customers"].get.responses as Record<string, { $ref?: string }>;

function examplesOf(status: string): unknown[] {
  const name = responses[status]!.$ref!.split("/").at(-1)!;
  const examples = spec.components.responses[name].content["application/json"].examples as Record<string, Example>;
  return Object.values(examples).map((example) => example.value);
}

let prism: PrismProcess;

beforeAll(async () => {
  prism = await prismMock();
});

afterAll(() => prism?.close());

function get(headers: Record<string, string>): Promise<Response> {
  return fetch(`${prism.baseUrl}/customers`, { headers: { authorization: basic("any", "thing"), ...headers } });
}

describe("Prefer: code=N", () => {
  for (const status of ["400", "401", "403"]) {
    it(`answers ${status} with one of the ${status} response's own examples`, async () => {
      const response = await get({ prefer: `code=${status}` });
      expect(response.status).toBe(Number(status));
      const examples = examplesOf(status);
      expect(examples.length).toBeGreaterThan(0);
      expect(examples).toContainEqual(await response.json());
    });
  }

  it("gives each error status a body of its own", () => {
    const first = ["400", "401", "403"].map((status) => JSON.stringify(examplesOf(status)[0]));
    expect(new Set(first).size).toBe(3);
  });
});

describe("Prefer: dynamic=true", () => {
  const customer = spec.components.schemas.CustomerInfo as SchemaObject;
  const properties = customer.properties!;

  it("makes ISO 8601 dates and ids of the spec's pattern", async () => {
    // Random data may hold an empty page: a few pages, so that some customers are checked.
    const items: Record<string, unknown>[] = [];
    for (let tries = 0; tries < 5 && items.length < 3; tries++) {
      const response = await get({ prefer: "dynamic=true" });
      expect(response.status).toBe(200);
      items.push(...((await response.json()) as { items: Record<string, unknown>[] }).items);
    }
    expect(items.length).toBeGreaterThan(0);
    const patterned = Object.entries(properties).filter(([, schema]) => schema.pattern);
    const dated = Object.entries(properties).filter(([, schema]) => schema.format === "date-time");
    expect(patterned.map(([name]) => name)).toEqual(expect.arrayContaining(["id", "accountId"]));
    expect(dated.map(([name]) => name)).toEqual(["dateCreated", "dateLastModified"]);
    for (const item of items) {
      for (const [name, schema] of patterned) if (item[name] !== undefined) expect(item[name]).toMatch(new RegExp(schema.pattern!));
      for (const [name] of dated) {
        if (item[name] === undefined) continue;
        expect(item[name]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
        expect(Number.isNaN(Date.parse(item[name] as string))).toBe(false);
      }
    }
  });
});
