// The store contract on every engine: each filter, scope, paging rule, sort and the
// users, checked against a plain model of the demo data (support/store-model.ts). The
// same assertions run on SQLite under each of its plans and on PostgreSQL.
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialVerifier, createApiKey, hashApiKey } from "../server/auth/credentials.js";
import { DEMO_PASSWORD, demoApiKey, demoData } from "../server/demo/demo-data.js";
import { seedDatabase } from "../server/demo/seed.js";
import type { CustomerQuery, NewCustomer, Store } from "../server/store/contract.js";
import { InvalidCustomerError } from "../server/store/customer-body.js";
import { csvHeader, csvRecord } from "../server/store/customer-csv.js";
import { openStore } from "../server/store/open.js";
import { type PlannerOptions, SORT_FIELDS, SqliteCustomerStore } from "../server/store/sqlite/store.js";
import { collect, customers, fold, ids, info, type ModelCustomer, modelOrder, query, storeModel } from "./support/store-model.js";
import { ENGINES, type Engine, type TestDatabase, testDatabase } from "./support/test-server.js";

const N = 400;
const { data, model, descendantsOf, grandparent } = storeModel(N);

const databases = new Map<Engine, { database: TestDatabase; store: Store }>();
const base = (engine: Engine) => databases.get(engine)!.store;

beforeAll(async () => {
  await Promise.all(
    ENGINES.map(async (engine) => {
      const database = await testDatabase(engine, "store");
      const store = await openStore(database.url);
      databases.set(engine, { database, store });
      await seedDatabase(store, N, { batchSize: 97 }); // an odd batch size puts parents and children in different batches
    }),
  );
});

afterAll(async () => {
  for (const { database, store } of databases.values()) {
    await store.close();
    await database.drop();
  }
});

/**
 * Every filter, scope, paging and sorting case runs on PostgreSQL and under each plan the
 * SQLite store can choose, so both its broad plan (walk the sort index, test per row) and
 * its selective plan (candidates from the filter's index, then sort) equal the model:
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

const TARGETS: { name: string; engine: Engine; planner?: PlannerOptions }[] = [
  ...Object.entries(PLANS).map(([plan, planner]) => ({ name: `sqlite, plan ${plan}`, engine: "sqlite" as const, planner })),
  { name: "postgres", engine: "postgres" },
];

/** The store under test in the per-target suites. */
let planned: Store;

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

describe.each(TARGETS)("$name", (target) => {
  let own: SqliteCustomerStore | undefined;
  beforeAll(() => {
    if (target.engine === "sqlite") {
      own = SqliteCustomerStore.open(databases.get("sqlite")!.database.url.slice("sqlite:".length), target.planner);
      planned = own;
    } else planned = base(target.engine);
  });
  afterAll(async () => {
    await own?.close();
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
        expect(customers(items).map((c) => c.name)).toContain(name);
      }
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

    it.each(["Ascend", "Descend"] as const)("a name of 3+ characters alone, with a tag and with accounts, %s", async (sortOrder) => {
      const has = (c: ModelCustomer) => fold(c.name).includes("dental");
      const matching = model.filter(has);
      // Names repeat, so the order within one name (by id) is exercised too.
      expect(new Set(matching.map((c) => fold(c.name))).size).toBeLessThan(matching.length);
      const tag = data.tags.map((t) => t.id!).find((id) => matching.filter((c) => c.tagIds.includes(id)).length > 3)!;
      const accounts = [...new Set(matching.map((c) => c.accountId))].slice(0, 2);
      await expectMatches({ nameFilter: "Dental", sortOrder }, has);
      await expectMatches({ nameFilter: "dental", tagIds: [tag], sortOrder }, (c) => has(c) && c.tagIds.includes(tag));
      await expectMatches({ nameFilter: "dental", accountIds: accounts, sortOrder }, (c) => has(c) && accounts.includes(c.accountId));
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

describe.each(ENGINES)("on %s", (engine) => {
  describe("row mapping", () => {
    it("returns every field camelCased, nulls left out, tags and breadcrumb root-first", async () => {
      const all = await collect(base(engine).stream(query({ sortField: "id" })));
      expect(all).toStrictEqual(modelOrder(model, "id", false).map(info));
    });

    it("streams CSV records that say what the JSON bodies say, in the same order", async () => {
      const q = query({ sortField: "name", sortOrder: "Descend" });
      const bodies = await collect(base(engine).stream(q));
      const records: string[] = [];
      for await (const record of base(engine).streamCsv(q)) records.push(record);
      expect(records).toHaveLength(N);
      expect(records).toEqual(bodies.map(csvRecord));
      const parsed = parse(csvHeader + records.join(""), { columns: true }) as Record<string, string>[];
      expect(parsed.map((row) => row.Id)).toEqual(ids(bodies));
    });

    it("keeps text beyond ASCII as \\u escapes: the stored text is ASCII and reads back as the same names", async () => {
      const beyond = model.filter((c) => /[\u0080-\uffff]/.test(c.name));
      expect(beyond.length, "the demo data must have names beyond ASCII").toBeGreaterThan(0);
      const specificIds = beyond.map((c) => c.id);
      const { items } = await base(engine).listPage(query({ specificIds }), { page: 0, countPerPage: specificIds.length, count: false });
      for (const item of items) expect(item.text).not.toMatch(/[\u0080-\uffff]/);
      expect(customers(items).map((c) => c.name)).toEqual(modelOrder(beyond, "name", false).map((c) => c.name));
    });

    it("always has tags and breadcrumb arrays, and omits absent optional fields", async () => {
      const { items } = await base(engine).listPage(query({ specificIds: [model[0]!.id] }), { page: 0, countPerPage: 5, count: false });
      const root = customers(items)[0]!;
      expect(root.breadcrumb).toEqual([]);
      expect(Array.isArray(root.tags)).toBe(true);
      expect("parentCustomerId" in root).toBe(false);
      const withoutRef = model.find((c) => c.referenceId === undefined)!;
      const [c] = (await base(engine).listPage(query({ specificIds: [withoutRef.id] }), { page: 0, countPerPage: 5, count: false })).items;
      expect(Object.values(c!)).not.toContain(null);
      expect("referenceId" in c!).toBe(false);
    });
  });

  describe("stream", () => {
    it("can be abandoned midway and started again", async () => {
      let seen = 0;
      for await (const _ of base(engine).stream(query())) if (++seen === 3) break;
      expect((await collect(base(engine).stream(query()))).length).toBe(N);
    });
  });

  describe("users and API keys", () => {
    it("finds users case-insensitively, with roles and bindings", async () => {
      const u = await base(engine).findUser("SysAdmin");
      expect(u).toMatchObject({ username: "sysadmin", roles: ["SystemAdministrator"], accountIds: [] });
      expect(await base(engine).findUser("manager")).toMatchObject({ roles: ["Manager"] });
      expect((await base(engine).findUser("customer"))?.customerId).toBe(data.users.find((x) => x.username === "customer")!.customerId);
      expect(await base(engine).findUser("nobody")).toMatchObject({ roles: [] });
      expect(await base(engine).findUser("ghost")).toBeUndefined();
    });

    it("verifies the demo password and the demo API keys", async () => {
      const verifier = new CredentialVerifier(base(engine));
      expect((await verifier.verifyBasic("manager", DEMO_PASSWORD))?.username).toBe("manager");
      expect(await verifier.verifyBasic("manager", "wrong")).toBeUndefined();
      expect((await verifier.verifyBearer(demoApiKey("customer")))?.username).toBe("customer");
      expect(await base(engine).findApiKey(hashApiKey("evo_not_a_key"))).toBeUndefined();
    });

    it("creates a new API key that verifies", async () => {
      const token = await createApiKey(base(engine), "nobody", "test");
      expect((await new CredentialVerifier(base(engine)).verifyBearer(token))?.username).toBe("nobody");
      await expect(createApiKey(base(engine), "ghost")).rejects.toThrow(/no user/);
    });

    it("is not empty after seeding, is marked ready, and refuses a second seed", async () => {
      expect(await base(engine).isEmpty()).toBe(false);
      expect(await base(engine).seedState()).toBe("ready");
      await expect(seedDatabase(base(engine), 10)).rejects.toThrow(/already holds data/);
    });
  });

  describe("writes after the seed", () => {
    it("refuses a customer the spec forbids, and writes nothing of its batch", async () => {
      const database = await testDatabase(engine, "forbidden");
      const s = await openStore(database.url);
      try {
        await seedDatabase(s, 20);
        const account = demoData(20).accounts[0]!.id!;
        const total = async () => (await s.listPage(query(), { page: 0, countPerPage: 1, count: true })).totalCount;
        const before = await total();
        const good: NewCustomer = { id: "cus_goodone", accountId: account, name: "Fine Co", tagIds: [] };
        // What a caller without types could hand the store: a wrong type, a property the spec does not have.
        const wrongType = { id: "cus_wrongtype", accountId: account, name: "Bad Co", tagIds: [], isStaging: "yes" };
        const unknownProperty = { id: "cus_extraprop", accountId: account, name: "Odd Co", tagIds: [], nickname: "odd" };
        await expect(s.insertCustomers([good, wrongType as unknown as NewCustomer])).rejects.toThrow(
          /cus_wrongtype .*\/isStaging must be boolean/,
        );
        await expect(s.insertCustomers([unknownProperty as NewCustomer])).rejects.toThrow(InvalidCustomerError);
        await expect(s.insertCustomers([{ ...good, id: "bad id" }])).rejects.toThrow(/\/id must match pattern/);
        expect(await total()).toBe(before);
        const found = await s.listPage(query({ specificIds: ["cus_goodone", "cus_wrongtype", "cus_extraprop"] }), {
          page: 0,
          countPerPage: 5,
          count: true,
        });
        expect(found.totalCount).toBe(0);
        // The batch goes in once it is right, and is sent as it was written.
        await s.insertCustomers([good]);
        const [written] = customers(
          (await s.listPage(query({ specificIds: ["cus_goodone"] }), { page: 0, countPerPage: 1, count: false })).items,
        );
        expect(written).toMatchObject({ id: "cus_goodone", name: "Fine Co", breadcrumb: [], tags: [] });
      } finally {
        await s.close();
        await database.drop();
      }
    });

    it("after the bulk load, triggers keep the counts and the name index in step", async () => {
      const database = await testDatabase(engine, "writes");
      const s = await openStore(database.url);
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
        expect(found.totalCount).toBe(1);
        expect(customers(found.items)).toMatchObject([{ id: "cus_late", accountName: local.accounts[2]!.name }]);
      } finally {
        await s.close();
        await database.drop();
      }
    });
  });
});
