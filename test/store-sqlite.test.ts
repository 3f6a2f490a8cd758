// The SQLite store against a real database file seeded with demo data. Every expectation
// comes from a plain in-memory model of the same demo data, never from hard-coded ids.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerInfo } from "../generated/schema.js";
import { CredentialVerifier, createApiKey, hashApiKey } from "../server/auth/credentials.js";
import { demoData, demoApiKey, DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { seedDatabase } from "../server/demo/seed.js";
import { MIGRATIONS } from "../server/store/sqlite/schema.js";
import { ftsPhrase, gramToken, nameGrams } from "../server/store/sqlite/names.js";
import { SORT_FIELDS, SqliteCustomerStore, type PlannerOptions } from "../server/store/sqlite/store.js";
import type { CustomerQuery, SortField } from "../server/store/contract.js";
import { openStore } from "../server/store/open.js";

const fold = (s: string) => s.normalize("NFC").toLowerCase();
/** SQLite's BINARY collation compares UTF-8 bytes. */
const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

const N = 400;
const data = demoData(N);

interface ModelCustomer extends CustomerInfo {
  tagIds: string[];
  /** Strict ancestors, nearest first. */
  ancestors: string[];
}

const model: ModelCustomer[] = (() => {
  const byId = new Map<string, ModelCustomer>();
  const accountName = new Map(data.accounts.map((a) => [a.id, a.name]));
  const tagById = new Map(data.tags.map((t) => [t.id!, t]));
  for (const c of data.customers()) {
    const parent = c.parentCustomerId === undefined ? undefined : byId.get(c.parentCustomerId)!;
    const ancestors = parent ? [parent.id, ...parent.ancestors] : [];
    const tags = c.tagIds.map((id) => tagById.get(id)!).sort((a, b) => cmp(a.name!, b.name!) || cmp(a.id!, b.id!));
    byId.set(c.id, {
      ...c,
      accountName: accountName.get(c.accountId)!,
      tags,
      breadcrumb: [...ancestors].reverse().map((id) => ({ id, name: byId.get(id)!.name })),
      ancestors,
    });
  }
  return [...byId.values()];
})();

/** What the API returns for a model customer. */
function info(m: ModelCustomer): CustomerInfo {
  const { tagIds: _t, ancestors: _a, ...rest } = m;
  return rest;
}

const sortKey: Record<SortField, (c: ModelCustomer) => string | number | null> = {
  id: (c) => c.id,
  name: (c) => fold(c.name),
  accountId: (c) => c.accountId,
  accountName: (c) => c.accountName ?? null,
  parentCustomerId: (c) => c.parentCustomerId ?? null,
  referenceId: (c) => c.referenceId ?? null,
  isStaging: (c) => (c.isStaging === undefined ? null : Number(c.isStaging)),
  overrideBillingSettings: (c) => (c.overrideBillingSettings === undefined ? null : Number(c.overrideBillingSettings)),
  overrideAppSettings: (c) => (c.overrideAppSettings === undefined ? null : Number(c.overrideAppSettings)),
  dateCreated: (c) => c.dateCreated ?? null,
  dateLastModified: (c) => c.dateLastModified ?? null,
  createdBy: (c) => c.createdBy ?? null,
  lastModifiedBy: (c) => c.lastModifiedBy ?? null,
};

/** NULL sorts first ascending (SQLite), ties broken by id in the same direction. */
function modelOrder(list: ModelCustomer[], field: SortField, descend: boolean): ModelCustomer[] {
  const key = sortKey[field];
  const compareValues = (a: string | number | null, b: string | number | null): number => {
    if (a === b) return 0;
    if (a === null) return -1;
    if (b === null) return 1;
    return typeof a === "number" && typeof b === "number" ? a - b : cmp(String(a), String(b));
  };
  const sign = descend ? -1 : 1;
  return [...list].sort((x, y) => sign * (compareValues(key(x), key(y)) || cmp(x.id, y.id)));
}

let dir: string;
let store: SqliteCustomerStore;
/** The store under test in the per-plan suites (same database, other planner options). */
let planned: SqliteCustomerStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customers-store-"));
  store = SqliteCustomerStore.open(join(dir, "customers.db"));
  await seedDatabase(store, N, { batchSize: 97 }); // an odd batch size puts parents and children in different batches
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const query = (q: Partial<CustomerQuery> = {}): CustomerQuery => ({ scope: { kind: "all" }, sortField: "name", sortOrder: "Ascend", ...q });

async function collect(it: AsyncIterable<CustomerInfo>): Promise<CustomerInfo[]> {
  const out: CustomerInfo[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const ids = (list: { id?: string }[]) => list.map((c) => c.id);

/** The store's answer (streamed, and counted by listPage) equals the model's, in order. */
async function expectMatches(q: Partial<CustomerQuery>, predicate: (c: ModelCustomer) => boolean, opts: { allowEmpty?: boolean } = {}) {
  const full = query(q);
  const expected = modelOrder(model.filter(predicate), full.sortField, full.sortOrder === "Descend");
  if (!opts.allowEmpty) expect(expected.length, "the test data must exercise this filter").toBeGreaterThan(0);
  expect(ids(await collect(planned.stream(full)))).toEqual(ids(expected));
  const page = await planned.listPage(full, { page: 0, countPerPage: 10, count: true });
  expect(page.totalCount).toBe(expected.length);
  expect(ids(page.items)).toEqual(ids(expected.slice(0, 10)));
  // A later page and a page without the count take the same plan decisions with other inputs.
  const second = await planned.listPage(full, { page: 1, countPerPage: 3, count: false });
  expect(ids(second.items)).toEqual(ids(expected.slice(3, 6)));
  expect(second.hasMorePages).toBe(expected.length > 6);
  return expected;
}

const descendantsOf = (id: string) => model.filter((c) => c.ancestors.includes(id));
/** A customer with grandchildren, so depth matters. */
const grandparent = () => model.find((c) => model.some((d) => d.ancestors[1] === c.id))!;

describe("row mapping", () => {
  it("returns every field camelCased, nulls left out, tags and breadcrumb root-first", async () => {
    const all = await collect(store.stream(query({ sortField: "id" })));
    expect(all).toStrictEqual(modelOrder(model, "id", false).map(info));
  });

  it("always has tags and breadcrumb arrays, and omits absent optional fields", async () => {
    const { items } = await store.listPage(query({ specificIds: [model[0]!.id] }), { page: 0, countPerPage: 5, count: false });
    const root = items[0]!;
    expect(root.breadcrumb).toEqual([]);
    expect(Array.isArray(root.tags)).toBe(true);
    expect("parentCustomerId" in root).toBe(false);
    const withoutRef = model.find((c) => c.referenceId === undefined)!;
    const [c] = (await store.listPage(query({ specificIds: [withoutRef.id] }), { page: 0, countPerPage: 5, count: false })).items;
    expect(Object.values(c!)).not.toContain(null);
    expect("referenceId" in c!).toBe(false);
  });
});

/**
 * Every filter, scope, paging and sorting case runs under each plan the store can choose,
 * so both the broad plan (walk the sort index, test per row) and the selective plan
 * (candidates from the filter's index, then sort) of every filter equal the model:
 * - auto: the store's own choice at this size;
 * - walk / candidates: forced wherever the query allows;
 * - capped: every filter looks broad and the walk gives up after 30 rows, so most
 *   queries fall back from a capped walk to candidates mid-query.
 */
const PLANS = {
  auto: {},
  walk: { force: "walk" },
  candidates: { force: "candidates" },
  capped: { candidateCost: 1e9, walkCap: 30 },
} as const satisfies Record<string, PlannerOptions>;

describe.each(Object.keys(PLANS) as (keyof typeof PLANS)[])("plan %s", (mode) => {
  beforeAll(() => {
    planned = SqliteCustomerStore.open(join(dir, "customers.db"), PLANS[mode]);
  });
  afterAll(async () => {
    await planned.close();
  });

  describe("filters", () => {
    it("accountIds: any of the accounts", async () => {
      const wanted = [data.accounts[0]!.id, data.accounts[2]!.id];
      await expectMatches({ accountIds: wanted }, (c) => wanted.includes(c.accountId));
    });

    it.each([
      "café",
      "CAFÉ MÜ",
      "ångström",
      "straße",
      "100%",
      "%",
      "_",
      "c_f",
      "0_5",
      "'",
      "o'b",
      "\\",
      "k\\s",
      '"',
      '"quoted"',
      "東京",
      "東",
      "a",
      "de",
      "dental",
      "harbor logistics",
      "zz%qq",
      "%%",
      "__",
      "cafler", // both trigrams ("caf", "ler") are in "café müller", but not as one substring
    ])("nameFilter %j: case-insensitive literal substring", async (filter) => {
      const expected = await expectMatches({ nameFilter: filter }, (c) => fold(c.name).includes(fold(filter)), { allowEmpty: true });
      if (["%", "_", "%%", "__"].includes(filter)) expect(expected.length).toBeLessThan(model.length / 10); // not wildcards
    });

    it("nameFilter finds the tricky names", async () => {
      for (const [filter, name] of [
        ["CAFÉ", "Café Müller"],
        ["0% organic_f", "100% Organic_Farms"],
        ['"QUOTED" co', 'The "Quoted" Company'],
        ["ångström labs", "ÅNGSTRÖM LABS"],
        ["\\slash", "Back\\Slash Studios"],
        ["o'brien", "O'Brien & Sons Plumbing"],
      ] as const) {
        const { items } = await planned.listPage(query({ nameFilter: filter }), { page: 0, countPerPage: 100, count: false });
        expect(items.map((c) => c.name)).toContain(name);
      }
    });

    it("ftsPhrase quotes the needle as one FTS5 string", () => {
      expect(ftsPhrase("ab")).toBeUndefined();
      expect(ftsPhrase("東京")).toBeUndefined(); // two code points
      expect(ftsPhrase("東京x")).toBe('"東京x"');
      expect(ftsPhrase('a"bcd')).toBe('"a""bcd"');
    });

    it("nameGrams holds every code point and adjacent pair of a name, as ASCII tokens", () => {
      expect(nameGrams("東京x")).toBe("u6771 b6771x4eac u4eac b4eacx78 u78");
      expect(nameGrams("aaa")).toBe("u61 b61x61");
      expect(gramToken("東")).toBe("u6771");
      expect(gramToken("京x")).toBe("b4eacx78");
    });

    it("parentCustomerIds: descendants at any depth, never the parents themselves", async () => {
      const a = grandparent();
      const b = model.find((c) => c.ancestors.length === 0 && c.id !== a.id && descendantsOf(c.id).length > 0)!;
      const parents = [a.id, b.id];
      const expected = await expectMatches({ parentCustomerIds: parents }, (c) => c.ancestors.some((x) => parents.includes(x)));
      expect(ids(expected)).not.toContain(a.id);
      expect(expected.some((c) => c.ancestors.indexOf(a.id) >= 1)).toBe(true); // grandchildren are in
    });

    it("parentCustomerIds with shallowParent: direct children only", async () => {
      const a = grandparent();
      await expectMatches({ parentCustomerIds: [a.id], shallowParent: true }, (c) => c.parentCustomerId === a.id);
    });

    it("tagIds: customers carrying every tag", async () => {
      const pairs = model.filter((c) => c.tagIds.length >= 2);
      const [t1, t2] = pairs[0]!.tagIds as [string, string];
      await expectMatches({ tagIds: [t1, t2] }, (c) => c.tagIds.includes(t1) && c.tagIds.includes(t2));
      await expectMatches({ tagIds: [t1] }, (c) => c.tagIds.includes(t1));
      await expectMatches({ tagIds: [t1, t1] }, (c) => c.tagIds.includes(t1)); // duplicates do not raise the bar
      await expectMatches({ tagIds: [t1, "tag_unknown"] }, () => false, { allowEmpty: true });
    });

    it("specificIds", async () => {
      const wanted = [model[3]!.id, model[200]!.id, "cus_does_not_exist"];
      await expectMatches({ specificIds: wanted }, (c) => wanted.includes(c.id));
    });

    it("empty lists and an empty name do not filter", async () => {
      await expectMatches({ accountIds: [], tagIds: [], parentCustomerIds: [], specificIds: [], nameFilter: "" }, () => true);
    });

    it("filters combine with AND", async () => {
      const a = grandparent();
      const tag = model.find((c) => c.ancestors.includes(a.id) && c.tagIds.length > 0)!.tagIds[0]!;
      const q = { accountIds: [a.accountId], parentCustomerIds: [a.id], tagIds: [tag], nameFilter: "e" };
      await expectMatches(
        q,
        (c) => c.accountId === a.accountId && c.ancestors.includes(a.id) && c.tagIds.includes(tag) && fold(c.name).includes("e"),
      );
    });
  });

  describe("scopes", () => {
    const bound = () => data.users.find((u) => u.username === "customer")!.customerId!;

    it("accounts: only the given accounts; an empty list sees nothing", async () => {
      const managed = data.users.find((u) => u.username === "manager")!.accountIds;
      await expectMatches({ scope: { kind: "accounts", accountIds: managed } }, (c) => managed.includes(c.accountId));
      await expectMatches(
        { scope: { kind: "accounts", accountIds: managed }, sortOrder: "Descend", nameFilter: "e" },
        (c) => managed.includes(c.accountId) && fold(c.name).includes("e"),
      );
      await expectMatches({ scope: { kind: "accounts", accountIds: managed }, sortField: "dateCreated" }, (c) =>
        managed.includes(c.accountId),
      );
      // Counted from tag_accounts, the per-(tag, account) counts.
      const tag = data.tags[1]!.id!;
      await expectMatches(
        { scope: { kind: "accounts", accountIds: managed }, tagIds: [tag] },
        (c) => managed.includes(c.accountId) && c.tagIds.includes(tag),
      );
      await expectMatches({ scope: { kind: "accounts", accountIds: [] } }, () => false, { allowEmpty: true });
    });

    it("accounts: a filter never widens the scope", async () => {
      const managed = data.users.find((u) => u.username === "manager")!.accountIds;
      const other = data.accounts.find((a) => !managed.includes(a.id))!.id;
      await expectMatches({ scope: { kind: "accounts", accountIds: managed }, accountIds: [other] }, () => false, { allowEmpty: true });
    });

    it("subtree: the customer and all its descendants", async () => {
      const id = bound();
      const expected = await expectMatches({ scope: { kind: "subtree", customerId: id } }, (c) => c.id === id || c.ancestors.includes(id));
      expect(Math.max(...expected.map((c) => c.ancestors.indexOf(id)))).toBeGreaterThanOrEqual(1); // at least 2 levels below
    });

    it("subtree: filters stay inside it", async () => {
      const id = bound();
      const outside = model.find((c) => c.id !== id && !c.ancestors.includes(id))!;
      await expectMatches({ scope: { kind: "subtree", customerId: id }, specificIds: [outside.id] }, () => false, { allowEmpty: true });
      const parent = model.find((c) => c.id === id)!.parentCustomerId!; // outside the subtree, above it
      await expectMatches(
        { scope: { kind: "subtree", customerId: id }, parentCustomerIds: [parent] },
        (c) => c.id === id || c.ancestors.includes(id),
      );
      await expectMatches({ scope: { kind: "subtree", customerId: "cus_unknown" } }, () => false, { allowEmpty: true });
    });
  });

  describe("paging", () => {
    const filter = { accountIds: [data.accounts[1]!.id] };
    const expected = () =>
      modelOrder(
        model.filter((c) => c.accountId === filter.accountIds[0]),
        "name",
        false,
      );

    it("totals count the filtered set; a page past the end is empty", async () => {
      const n = expected().length;
      const past = await planned.listPage(query(filter), { page: 1000, countPerPage: 25, count: true });
      expect(past).toEqual({ items: [], totalCount: n, hasMorePages: false });
    });

    it("count=false leaves totalCount out and hasMorePages is exact", async () => {
      const n = expected().length;
      const full = await planned.listPage(query(filter), { page: 0, countPerPage: n, count: false });
      expect("totalCount" in full).toBe(false);
      expect(full.hasMorePages).toBe(false);
      expect(ids(full.items)).toEqual(ids(expected()));
      const first = await planned.listPage(query(filter), { page: 0, countPerPage: n - 1, count: false });
      expect(first.hasMorePages).toBe(true);
      const last = await planned.listPage(query(filter), { page: 1, countPerPage: n - 1, count: false });
      expect(ids(last.items)).toEqual(ids(expected().slice(n - 1)));
      expect(last.hasMorePages).toBe(false);
    });

    it("rejects invalid paging", async () => {
      await expect(planned.listPage(query(), { page: -1, countPerPage: 10, count: true })).rejects.toThrow(RangeError);
      await expect(planned.listPage(query(), { page: 0, countPerPage: 0, count: true })).rejects.toThrow(RangeError);
    });
  });

  describe("sorting", () => {
    it.each(
      SORT_FIELDS.flatMap(
        (f) =>
          [
            [f, "Ascend"],
            [f, "Descend"],
          ] as const,
      ),
    )("%s %s: total and stable; pages concatenated equal the full sorted list", async (sortField, sortOrder) => {
      const q = query({ sortField, sortOrder });
      const expected = ids(modelOrder(model, sortField, sortOrder === "Descend"));
      const pages: (string | undefined)[] = [];
      for (let page = 0; ; page++) {
        const r = await planned.listPage(q, { page, countPerPage: 37, count: page === 0 });
        pages.push(...ids(r.items));
        if (!r.hasMorePages) break;
      }
      expect(new Set(pages).size).toBe(pages.length);
      expect(pages).toEqual(expected);
      expect(ids(await collect(planned.stream(q)))).toEqual(expected);
    });
  });
});

describe("stream", () => {
  it("can be abandoned midway and started again", async () => {
    let seen = 0;
    for await (const _ of store.stream(query())) if (++seen === 3) break;
    expect((await collect(store.stream(query()))).length).toBe(N);
  });

  it("an in-memory store streams too", async () => {
    const mem = await openStore("sqlite::memory:");
    try {
      await seedDatabase(mem, 1200);
      const all = await collect(mem.stream(query({ sortField: "dateCreated", sortOrder: "Descend" })));
      expect(all.length).toBe(1200);
      const page = await mem.listPage(query({ sortField: "dateCreated", sortOrder: "Descend" }), {
        page: 2,
        countPerPage: 100,
        count: true,
      });
      expect(ids(page.items)).toEqual(ids(all.slice(200, 300)));
    } finally {
      await mem.close();
    }
  });
});

describe("query plans", () => {
  // A bare "SCAN c" is a full table scan; "SCAN c USING INDEX" walks an index in sort order.
  const fullScan = (plan: string[]) => plan.filter((d) => /^SCAN (c|customers)$/.test(d));

  it("parent, tag, name and scope filters are answered from indexes", () => {
    const a = grandparent();
    const tag = data.tags[0]!.id!;
    const cases: [Partial<CustomerQuery>, RegExp][] = [
      [{ parentCustomerIds: [a.id] }, /customer_ancestors/],
      [{ parentCustomerIds: [a.id], shallowParent: true }, /customer_ancestors/],
      [{ tagIds: [tag] }, /USING PRIMARY KEY \(tag_seq=\?\)/],
      [{ nameFilter: "dental" }, /customers_fts VIRTUAL TABLE INDEX/],
      [{ scope: { kind: "subtree", customerId: a.id } }, /customer_ancestors/],
      [{ accountIds: [a.accountId] }, /customers_account_name/],
      // A Manager's default listing merges per-account index walks instead of sorting.
      [{ scope: { kind: "accounts", accountIds: data.accounts.slice(0, 2).map((x) => x.id) } }, /MERGE \(UNION ALL\)/],
    ];
    for (const [q, uses] of cases) {
      const plan = store.explainPage(query(q));
      expect(fullScan(plan), plan.join("\n")).toEqual([]);
      expect(plan.join("\n")).toMatch(uses);
    }
  });
});

describe("plan choice", () => {
  const first = { page: 0, countPerPage: 25, count: true };

  it("walks the sort index for a broad filter and collects candidates for a selective one", () => {
    const a = grandparent();
    // 400 customers, a page of 25: the break-even size is sqrt(26 × 400 / 2) ≈ 72.
    expect(store.explain(query({ accountIds: [a.accountId] }), first).plan).toMatch(/^walk/);
    expect(store.explain(query({ nameFilter: "e" }), first).plan).toMatch(/^walk/); // found by customers_grams, broad
    expect(store.explain(query({ nameFilter: "東" }), first).plan).toBe("candidates"); // found by customers_grams, rare
    expect(store.explain(query({ nameFilter: "dental" }), first).plan).toBe("candidates");
    const small = model.find((c) => descendantsOf(c.id).length > 0 && descendantsOf(c.id).length < 10)!;
    expect(store.explain(query({ parentCustomerIds: [small.id] }), first).plan).toBe("candidates");
    const big = model.find((c) => descendantsOf(c.id).length > 100)!; // probed: more than the break-even
    expect(store.explain(query({ parentCustomerIds: [big.id] }), first).plan).toMatch(/^walk/);
    expect(store.explain(query({ specificIds: [a.id] }), first).plan).toBe("candidates");
    // A deep page makes walking dearer: the same broad account is collected and sorted
    // (by date: sorted by name, (account_id, name_fold, id) answers any page directly).
    const byDate = query({ accountIds: [a.accountId], sortField: "dateCreated" });
    const size = model.filter((c) => c.accountId === a.accountId).length;
    expect(store.explain(byDate, first).plan).toMatch(/^walk/);
    const deep = Math.ceil((2 * size * size) / N / 25) + 1; // offset + limit past the break-even
    expect(store.explain(byDate, { page: deep, countPerPage: 25, count: false }).plan).toBe("candidates");
    expect(store.explain(query({ accountIds: [a.accountId] }), { page: deep, countPerPage: 25, count: false }).plan).toBe("walk");
  });

  it("a tag is broad or selective by its stored count, without a probe", () => {
    const tag = data.tags[0]!.id!;
    const cheapWalk = SqliteCustomerStore.open(join(dir, "customers.db"), { candidateCost: 100 });
    try {
      const broad = cheapWalk.explain(query({ tagIds: [tag] }), first);
      expect(broad.plan).toMatch(/^walk/);
      expect(broad.statements.map((x) => x.role)).not.toContain("count"); // one tag alone: its stored count
      expect(broad.statements.some((x) => x.role.startsWith("probe"))).toBe(false);
    } finally {
      void cheapWalk.close();
    }
    expect(store.explain(query({ tagIds: [tag] }), first).plan).toBe("candidates");
  });

  it("a capped walk that comes up short falls back to candidates", () => {
    const capped = SqliteCustomerStore.open(join(dir, "customers.db"), PLANS.capped);
    try {
      const e = capped.explain(query({ nameFilter: "dental" }), first);
      expect(e.plan).toBe("walk-capped");
      expect(e.fellBack).toBe(true);
      expect(e.statements.map((x) => x.role)).toEqual(expect.arrayContaining(["page (capped walk)", "page (candidates)"]));
    } finally {
      void capped.close();
    }
  });

  it("simplifiedPaging runs no count", () => {
    const e = store.explain(query({ nameFilter: "dental" }), { ...first, count: false });
    expect(e.statements.map((x) => x.role)).not.toContain("count");
  });
});

describe("bulk load", () => {
  const schemaOf = (s: SqliteCustomerStore) =>
    (s as unknown as { db: { prepare(sql: string): { all(): unknown[] } } }).db
      .prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name`)
      .all();

  it("leaves the schema a migration creates, with counts and account names filled in", async () => {
    const fresh = (await openStore("sqlite::memory:")) as SqliteCustomerStore;
    const seeded = (await openStore("sqlite::memory:")) as SqliteCustomerStore;
    try {
      await seedDatabase(seeded, 300);
      expect(schemaOf(seeded)).toEqual(schemaOf(fresh));
      const local = demoData(300);
      const customers = [...local.customers()];
      for (const t of local.tags) {
        const n = customers.filter((c) => c.tagIds.includes(t.id!)).length;
        expect((await seeded.listPage(query({ tagIds: [t.id!] }), { page: 0, countPerPage: 1, count: true })).totalCount).toBe(n);
        const u = local.tags[0]!.id!;
        if (u === t.id) continue;
        const both = customers.filter((c) => c.tagIds.includes(t.id!) && c.tagIds.includes(u)).length;
        expect((await seeded.listPage(query({ tagIds: [u, t.id!] }), { page: 0, countPerPage: 1, count: true })).totalCount).toBe(both);
      }
      const [c] = (
        await seeded.listPage(query({ sortField: "accountName", sortOrder: "Descend" }), { page: 0, countPerPage: 1, count: false })
      ).items;
      expect(c!.accountName).toBe([...local.accounts].sort((x, y) => cmp(y.name!, x.name!))[0]!.name);
    } finally {
      await fresh.close();
      await seeded.close();
    }
  });

  it("after the bulk load, triggers keep the counts and the name index in step", async () => {
    const s = await openStore("sqlite::memory:");
    try {
      await seedDatabase(s, 50);
      const local = demoData(50);
      const tag = local.tags[0]!.id!;
      const scoped = query({ tagIds: [tag], scope: { kind: "accounts", accountIds: [local.accounts[2]!.id!, local.accounts[3]!.id!] } });
      const count = async (q: CustomerQuery) => (await s.listPage(q, { page: 0, countPerPage: 1, count: true })).totalCount!;
      const before = await count(query({ tagIds: [tag] }));
      const scopedBefore = await count(scoped);
      await s.insertCustomers([{ id: "cus_late", accountId: local.accounts[2]!.id!, name: "Zyzzyva Late Dental", tagIds: [tag] }]);
      expect(await count(query({ tagIds: [tag] }))).toBe(before + 1);
      const other = local.tags[1]!.id!;
      const pairBefore = await count(query({ tagIds: [tag, other] }));
      await s.insertCustomers([{ id: "cus_later", accountId: local.accounts[2]!.id!, name: "Later", tagIds: [other, tag] }]);
      expect(await count(query({ tagIds: [tag, other] }))).toBe(pairBefore + 1);
      expect(await count(query({ tagIds: [other, tag] }))).toBe(pairBefore + 1);
      expect(await count(scoped)).toBe(scopedBefore + 2); // cus_late and cus_later
      expect((await s.listPage(query(), { page: 0, countPerPage: 1, count: true })).totalCount).toBe(52);
      const found = await s.listPage(query({ nameFilter: "zyzzyva" }), { page: 0, countPerPage: 5, count: true });
      expect(found).toMatchObject({ totalCount: 1, items: [{ id: "cus_late", accountName: local.accounts[2]!.name }] });
    } finally {
      await s.close();
    }
  });
});

describe("users and API keys", () => {
  it("finds users case-insensitively, with roles and bindings", async () => {
    const u = await store.findUser("SysAdmin");
    expect(u).toMatchObject({ username: "sysadmin", roles: ["SystemAdministrator"], accountIds: [] });
    expect(await store.findUser("manager")).toMatchObject({ roles: ["Manager"] });
    expect((await store.findUser("customer"))?.customerId).toBe(data.users.find((x) => x.username === "customer")!.customerId);
    expect(await store.findUser("nobody")).toMatchObject({ roles: [] });
    expect(await store.findUser("ghost")).toBeUndefined();
  });

  it("verifies the demo password and the demo API keys", async () => {
    const verifier = new CredentialVerifier(store);
    expect((await verifier.verifyBasic("manager", DEMO_PASSWORD))?.username).toBe("manager");
    expect(await verifier.verifyBasic("manager", "wrong")).toBeUndefined();
    expect((await verifier.verifyBearer(demoApiKey("customer")))?.username).toBe("customer");
    expect(await store.findApiKey(hashApiKey("evo_not_a_key"))).toBeUndefined();
  });

  it("creates a new API key that verifies", async () => {
    const token = await createApiKey(store, "nobody", "test");
    expect((await new CredentialVerifier(store).verifyBearer(token))?.username).toBe("nobody");
    await expect(createApiKey(store, "ghost")).rejects.toThrow(/no user/);
  });

  it("is not empty after seeding, and refuses a second seed", async () => {
    expect(await store.isEmpty()).toBe(false);
    await expect(seedDatabase(store, 10)).rejects.toThrow(/already holds data/);
  });
});

describe("openStore", () => {
  it("rejects URLs it cannot serve", async () => {
    await expect(openStore("postgres://u:secret@db/customers")).rejects.toThrow(/not implemented yet/);
    const err = await openStore("mysql://u:secret@db/x").then(
      () => new Error("opened"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/sqlite:PATH/);
    expect(err.message).not.toMatch(/secret/);
  });

  it("migrates a version 1 database with data: documents, counts, account names and grams", async () => {
    const file = join(dir, "v1.db");
    const v1 = new Database(file);
    v1.exec(MIGRATIONS[0]!);
    v1.pragma("user_version = 1");
    v1.exec(`INSERT INTO accounts(id, name) VALUES ('acc_1', 'Acme');
      INSERT INTO tags(id, name) VALUES ('tag_1', 'VIP');
      INSERT INTO customers(id, account_id, name, name_fold, data) VALUES ('cus_1', 'acc_1', 'Old Co', 'old co', '{"plan":{"stringValue":"x"}}');
      INSERT INTO customer_ancestors VALUES (1, 1, 0);
      INSERT INTO customer_tags VALUES (1, 1);`);
    v1.close();
    const s = SqliteCustomerStore.open(file);
    try {
      const page = await s.listPage(query({ nameFilter: "d ", tagIds: ["tag_1"] }), { page: 0, countPerPage: 5, count: true });
      expect(page).toMatchObject({ totalCount: 1, items: [{ id: "cus_1", accountName: "Acme", data: { plan: { stringValue: "x" } } }] });
      expect((await s.listPage(query({ tagIds: ["tag_1"] }), { page: 0, countPerPage: 5, count: true })).totalCount).toBe(1);
      expect((await s.listPage(query({ nameFilter: "co" }), { page: 0, countPerPage: 5, count: true })).totalCount).toBe(1);
      expect((await s.listPage(query({ nameFilter: "old" }), { page: 0, countPerPage: 5, count: true })).totalCount).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("migrates idempotently: reopening keeps the data", async () => {
    const again = await openStore(`sqlite:${join(dir, "customers.db")}`);
    try {
      expect((await again.listPage(query(), { page: 0, countPerPage: 1, count: true })).totalCount).toBe(N);
    } finally {
      await again.close();
    }
  });
});
