// GET /customers over HTTP against a seeded database, on each engine with the same assertions: who sees what, every filter,
// paging, sorting, CSV and the errors. Expected results come from a plain model computed
// from the full listing, never from hard-coded ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerInfo, ListCustomersResponse } from "../generated/schema.js";
import { demoData, DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { foldName } from "../server/store/sqlite/names.js";
import { SORT_FIELDS } from "../server/store/sqlite/store.js";
import { basic } from "./support/http.js";
import { ENGINES, startTestServer, type TestServer } from "./support/test-server.js";

const CUSTOMERS = 400;
const demo = demoData(CUSTOMERS);
const userOf = (name: string) => demo.users.find((u) => u.username === name)!;

let server: TestServer;
let everyone: CustomerInfo[];

type Who = "sysadmin" | "manager" | "customer" | "nobody";

async function get(pathAndQuery: string, who: Who | null = "sysadmin", headers: Record<string, string> = {}) {
  const auth: Record<string, string> = who ? { authorization: basic(who, DEMO_PASSWORD) } : {};
  const response = await fetch(server.baseUrl + pathAndQuery, { headers: { ...auth, ...headers } });
  const text = await response.text();
  const json = (response.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : undefined;
  return { status: response.status, response, text, json };
}

async function list(query: string, who: Who = "sysadmin"): Promise<ListCustomersResponse> {
  const { status, json, text } = await get(`/customers?${query}`, who);
  expect(status, text).toBe(200);
  return json as ListCustomersResponse;
}

const ids = (customers: readonly CustomerInfo[]) => customers.map((c) => c.id);
const byName = (a: CustomerInfo, b: CustomerInfo) => compare(foldName(a.name), foldName(b.name)) || compare(a.id, b.id);

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  return a < b ? -1 : 1;
}

function descendantsOf(id: string): CustomerInfo[] {
  return everyone.filter((c) => c.breadcrumb?.some((b) => b.id === id));
}

describe.each(ENGINES)("on %s", (engine) => {
  beforeAll(async () => {
    server = await startTestServer({ engine, name: "customers-api", customers: CUSTOMERS });
    everyone = (await list("all=true")).items;
  });

  afterAll(async () => {
    await server?.close();
  });

  describe("who may see what", () => {
    it("lets the system administrator see every customer", async () => {
      expect(everyone).toHaveLength(CUSTOMERS);
      const page = await list("");
      expect(page.totalCount).toBe(CUSTOMERS);
    });

    it("shows a manager exactly the customers of its accounts", async () => {
      const managed = userOf("manager").accountIds;
      expect(managed.length).toBeGreaterThan(0);
      const expected = everyone.filter((c) => managed.includes(c.accountId)).sort(byName);
      expect(expected.length).toBeLessThan(CUSTOMERS);
      expect(ids((await list("all=true", "manager")).items)).toEqual(ids(expected));
    });

    it("shows a customer its own customer and all of its descendants, and nothing else", async () => {
      const own = userOf("customer").customerId!;
      const expected = [everyone.find((c) => c.id === own)!, ...descendantsOf(own)].sort(byName);
      expect(expected.length).toBeGreaterThan(3);
      expect(ids((await list("all=true", "customer")).items)).toEqual(ids(expected));
    });

    it("filters inside the scope: a customer naming an outside customer gets nothing from it", async () => {
      const outside = everyone.find(
        (c) => c.id !== userOf("customer").customerId && !c.breadcrumb?.some((b) => b.id === userOf("customer").customerId),
      )!;
      expect((await list(`specificIds=${outside.id}`, "customer")).items).toEqual([]);
    });

    it("answers 403, naming the field, when a manager names an account it does not manage", async () => {
      const foreign = demo.accounts.find((a) => !userOf("manager").accountIds.includes(a.id!))!.id!;
      const { status, json } = await get(`/customers?accountIds=${foreign}`, "manager");
      expect(status).toBe(403);
      expect(json.responseStatus.errors[0]).toMatchObject({ fieldName: "accountIds" });
      expect(json.responseStatus.message).toContain(foreign);
    });

    it("answers 401 with WWW-Authenticate without credentials or with wrong ones, 403 without a role", async () => {
      const anonymous = await get("/customers", null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.response.headers.get("www-authenticate")).toMatch(/^Basic realm="Evo Voice"/);
      expect(anonymous.json.responseStatus.message).toBe("Not Authenticated");
      const wrong = await fetch(`${server.baseUrl}/customers`, { headers: { authorization: basic("sysadmin", "nope") } });
      expect(wrong.status).toBe(401);
      const nobody = await get("/customers", "nobody");
      expect(nobody.status).toBe(403);
      expect(nobody.json.responseStatus.message).toBe("Invalid Role");
    });

    it("accepts the demo API keys as Bearer tokens", async () => {
      const response = await fetch(`${server.baseUrl}/customers?countPerPage=1`, {
        headers: { authorization: `Bearer ${userOf("manager").apiKey}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as ListCustomersResponse;
      expect(userOf("manager").accountIds).toContain(body.items[0]!.accountId);
    });
  });

  describe("filters", () => {
    it("accountIds matches any of the accounts", async () => {
      const [a, b] = demo.accounts.map((x) => x.id!);
      const expected = everyone.filter((c) => c.accountId === a || c.accountId === b);
      expect(ids((await list(`accountIds=${a},${b}&all=true`)).items)).toEqual(ids(expected));
    });

    it("nameFilter is a case-insensitive substring, taken literally", async () => {
      for (const needle of ["DENTAL", "%", "_", "'", "\\", "café", "STRASSE".toLowerCase(), "Straße", "東京", "o'brien &", '"quoted"']) {
        const expected = everyone.filter((c) => foldName(c.name).includes(foldName(needle)));
        const got = (await list(`nameFilter=${encodeURIComponent(needle)}&all=true`)).items;
        expect(ids(got), needle).toEqual(ids(expected));
      }
      // LIKE wildcards must not act as wildcards.
      expect((await list(`nameFilter=${encodeURIComponent("%%%")}`)).items).toEqual([]);
      expect((await list(`nameFilter=${encodeURIComponent("_")}&all=true`)).items.every((c) => c.name.includes("_"))).toBe(true);
    });

    it("parentCustomerIds gives descendants at any depth, not the parents; shallowParent only children", async () => {
      const root = everyone.find((c) => !c.parentCustomerId && descendantsOf(c.id).some((d) => (d.breadcrumb?.length ?? 0) >= 3))!;
      const deep = await list(`parentCustomerIds=${root.id}&all=true`);
      expect(ids(deep.items)).toEqual(ids(descendantsOf(root.id).sort(byName)));
      expect(ids(deep.items)).not.toContain(root.id);
      const shallow = await list(`parentCustomerIds=${root.id}&shallowParent=true&all=true`);
      expect(ids(shallow.items)).toEqual(ids(everyone.filter((c) => c.parentCustomerId === root.id)));
      expect(shallow.items.length).toBeLessThan(deep.items.length);
    });

    it("tagIds requires every given tag", async () => {
      const tagged = everyone.filter((c) => (c.tags?.length ?? 0) >= 2);
      const [t1, t2] = tagged[0]!.tags!.map((t) => t.id!);
      const expected = everyone.filter((c) => c.tags?.some((t) => t.id === t1) && c.tags?.some((t) => t.id === t2));
      expect(ids((await list(`tagIds=${t1},${t2}&all=true`)).items)).toEqual(ids(expected));
      const onlyFirst = everyone.filter((c) => c.tags?.some((t) => t.id === t1));
      expect(onlyFirst.length).toBeGreaterThan(expected.length);
    });

    it("specificIds returns exactly those customers", async () => {
      const chosen = [everyone[3]!, everyone[77]!, everyone[200]!];
      expect(ids((await list(`specificIds=${ids(chosen).join(",")}`)).items)).toEqual(ids([...chosen].sort(byName)));
    });

    it("combines filters with AND", async () => {
      const account = demo.accounts[0]!.id!;
      const [tag] = everyone.find((c) => c.accountId === account && c.tags?.length)!.tags!.map((t) => t.id!);
      const expected = everyone.filter(
        (c) => c.accountId === account && foldName(c.name).includes("a") && c.tags?.some((t) => t.id === tag),
      );
      const got = await list(`accountIds=${account}&nameFilter=A&tagIds=${tag}&all=true`);
      expect(got.items.length).toBeGreaterThan(0);
      expect(ids(got.items)).toEqual(ids(expected));
    });
  });

  describe("paging and sorting", () => {
    it("pages are 0-based, 25 by default, and counted over the filtered set", async () => {
      const first = await list("");
      expect(first.items).toHaveLength(25);
      expect(ids(first.items)).toEqual(ids(everyone.slice(0, 25)));
      expect(first).toMatchObject({ totalCount: CUSTOMERS, totalPages: Math.ceil(CUSTOMERS / 25), hasMorePages: true });
      const account = demo.accounts[2]!.id!;
      const inAccount = everyone.filter((c) => c.accountId === account);
      const filtered = await list(`accountIds=${account}&countPerPage=7&page=1`);
      expect(filtered).toMatchObject({ totalCount: inAccount.length, totalPages: Math.ceil(inAccount.length / 7) });
      expect(ids(filtered.items)).toEqual(ids(inAccount.slice(7, 14)));
    });

    it("a page past the end is empty, with or without totals", async () => {
      expect(await list("page=1000")).toMatchObject({ items: [], totalCount: CUSTOMERS, hasMorePages: false });
      expect(await list("page=1000&simplifiedPaging=true")).toEqual({ items: [], hasMorePages: false });
    });

    it("simplifiedPaging leaves the totals out and says whether another page exists", async () => {
      const page = await list("simplifiedPaging=true&countPerPage=100&page=3");
      expect(page).not.toHaveProperty("totalCount");
      expect(page).not.toHaveProperty("totalPages");
      expect(page.hasMorePages).toBe(false);
      expect(ids(page.items)).toEqual(ids(everyone.slice(300, 400)));
      expect((await list("simplifiedPaging=true&countPerPage=100&page=2")).hasMorePages).toBe(true);
    });

    it("orders by name case-insensitively by default, ties broken by id", () => {
      expect(ids(everyone)).toEqual(ids([...everyone].sort(byName)));
    });

    it("sorts by every sortable field, both ways, in a total order whose pages never overlap or skip", async () => {
      for (const field of SORT_FIELDS) {
        const key = (c: CustomerInfo) => (field === "name" ? foldName(c.name) : (c as Record<string, unknown>)[field]);
        const ascending = [...everyone].sort((a, b) => compare(key(a), key(b)) || compare(a.id, b.id));
        for (const order of ["Ascend", "Descend"] as const) {
          const expected = order === "Ascend" ? ascending : [...ascending].reverse();
          const pages: CustomerInfo[] = [];
          for (let page = 0; page < Math.ceil(CUSTOMERS / 150); page++) {
            // Field names are matched case-insensitively, as ServiceStack does.
            pages.push(...(await list(`sortField=${field.toUpperCase()}&sortOrder=${order}&countPerPage=150&page=${page}`)).items);
          }
          expect(ids(pages), `${field} ${order}`).toEqual(ids(expected));
        }
      }
    });

    it("all=true returns every match and ignores paging", async () => {
      const account = demo.accounts[1]!.id!;
      const all = await list(`accountIds=${account}&all=true&countPerPage=2&page=5`);
      expect(all.items.length).toBe(everyone.filter((c) => c.accountId === account).length);
      expect(all.totalCount).toBe(all.items.length);
    });

    it("breadcrumbs run from the root down to the parent, and accountName comes from the account", () => {
      const byId = new Map(everyone.map((c) => [c.id, c]));
      for (const c of everyone) {
        const crumbs = c.breadcrumb ?? [];
        if (crumbs.length === 0) expect(c.parentCustomerId).toBeUndefined();
        else expect(crumbs.at(-1)!.id).toBe(c.parentCustomerId);
        expect(crumbs[0] ? byId.get(crumbs[0].id!)?.parentCustomerId : undefined).toBeUndefined();
        expect(c.accountName).toBe(demo.accounts.find((a) => a.id === c.accountId)!.name);
      }
      expect(Math.max(...everyone.map((c) => c.breadcrumb?.length ?? 0))).toBeGreaterThanOrEqual(3);
    });
  });

  describe("lenient query binding on the real data", () => {
    it("binds names case-insensitively and lists in any of the three forms", async () => {
      const [t1] = everyone.find((c) => c.tags?.length)!.tags!.map((t) => t.id!);
      const expected = ids((await list(`tagIds=${t1}&all=true`)).items);
      for (const query of [`TagIds=${t1}&all=true`, `tagids=[${t1}]&ALL=true`, `tagIds=${t1}&tagIds=&all=True`]) {
        expect(ids((await list(query)).items), query).toEqual(expected);
      }
    });
  });

  describe("CSV", () => {
    it("is the same bytes for Accept, .csv and format=csv, sent as an attachment", async () => {
      const query = `accountIds=${demo.accounts[0]!.id}&countPerPage=50`;
      const byAccept = await get(`/customers?${query}`, "sysadmin", { accept: "text/csv" });
      const byPath = await get(`/customers.csv?${query}`);
      const byFormat = await get(`/customers?${query}&format=csv`);
      expect(byAccept.text).toBe(byPath.text);
      expect(byFormat.text).toBe(byPath.text);
      for (const r of [byAccept, byPath, byFormat]) {
        expect(r.status).toBe(200);
        expect(r.response.headers.get("content-type")).toMatch(/^text\/csv/);
        expect(r.response.headers.get("content-disposition")).toBe("attachment;filename=ListCustomers.csv");
      }
    });

    it("has a PascalCase header, one CRLF-ended row per customer, nested values as JSON", async () => {
      const { text } = await get("/customers.csv?countPerPage=10");
      const lines = text.split("\r\n");
      expect(lines.at(-1)).toBe("");
      expect(lines[0]!.startsWith("AccountId,ParentCustomerId,Breadcrumb,AccountName,IsStaging,Name")).toBe(true);
      expect(lines[0]).toContain(",Id,DateCreated,DateLastModified,CreatedBy,LastModifiedBy");
      // Names with quotes, commas or newlines are quoted, so count records by parsing ids.
      const page = await list("countPerPage=10");
      for (const c of page.items) expect(text).toContain(`,${c.id},`);
      // Tags are nested: written as JSON, quotes doubled. Filtered by a tag, every row has some.
      const tag = everyone.find((c) => c.tags?.length)!.tags![0]!.id!;
      const tagged = await list(`countPerPage=10&tagIds=${tag}`);
      const taggedCsv = (await get(`/customers.csv?countPerPage=10&tagIds=${tag}`)).text;
      expect(tagged.items.length).toBeGreaterThan(0);
      for (const c of tagged.items) expect(taggedCsv).toContain(JSON.stringify(c.tags).replace(/"/g, '""'));
    });

    it("streams every match for all=true", async () => {
      const { text } = await get("/customers.csv?all=true");
      for (const c of everyone) expect(text).toContain(`,${c.id},`);
      expect(text.startsWith("AccountId,")).toBe(true);
    });
  });

  describe("bad input", () => {
    it("answers 400 naming the field for unknown parameters, wrong types, ranges and sort fields", async () => {
      const cases: [string, string][] = [
        ["colour=red", "colour"],
        ["page=abc", "page"],
        ["page=-1", "page"],
        ["countPerPage=0", "countPerPage"],
        ["countPerPage=1001", "countPerPage"],
        ["sortField=password", "sortField"],
        ["sortOrder=Sideways", "sortOrder"],
        ["shallowParent=maybe", "shallowParent"],
        [`nameFilter=${"x".repeat(10_000)}`, "nameFilter"],
      ];
      for (const [query, field] of cases) {
        const { status, json } = await get(`/customers?${query}`);
        expect(status, query).toBe(400);
        expect(
          json.responseStatus.errors.map((e: { fieldName: string }) => e.fieldName),
          query,
        ).toContain(field);
      }
    });

    it("puts 404 and 405 in the error shape", async () => {
      const missing = await get("/customers/42");
      expect(missing.status).toBe(404);
      expect(missing.json.responseStatus.errorCode).toBe("NotFound");
      const post = await fetch(`${server.baseUrl}/customers`, {
        method: "POST",
        headers: { authorization: basic("sysadmin", DEMO_PASSWORD) },
      });
      expect(post.status).toBe(405);
      expect((await post.json()).responseStatus.errorCode).toBe("MethodNotAllowed");
    });

    it("echoes a safe request id and replaces an unsafe one", async () => {
      expect((await get("/customers?countPerPage=1", "sysadmin", { "x-request-id": "abc-123" })).response.headers.get("x-request-id")).toBe(
        "abc-123",
      );
      const forged = (await get("/customers?countPerPage=1", "sysadmin", { "x-request-id": 'a" injected' })).response.headers.get(
        "x-request-id",
      );
      expect(forged).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
