// What only the SQLite store has: its planner's choices and plans, FTS5 and grams tokens,
// the bulk load's schema, in-memory databases and migrations of old files. The contract
// every engine keeps is in store.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoData } from "../server/demo/demo-data.js";
import { seedDatabase } from "../server/demo/seed.js";
import type { CustomerQuery } from "../server/store/contract.js";
import { openStore } from "../server/store/open.js";
import { ftsPhrase, gramToken, nameGrams } from "../server/store/sqlite/names.js";
import { MIGRATIONS } from "../server/store/sqlite/schema.js";
import { type PlannerOptions, SqliteCustomerStore } from "../server/store/sqlite/store.js";
import { cmp, collect, customers, ids, query, storeModel } from "./support/store-model.js";

const N = 400;
const { data, model, descendantsOf, grandparent } = storeModel(N);

let dir: string;
let store: SqliteCustomerStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customers-store-"));
  store = SqliteCustomerStore.open(join(dir, "customers.db"));
  await seedDatabase(store, N, { batchSize: 97 });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The capped plan of store.test.ts: every filter looks broad, the walk gives up after 30 rows. */
const CAPPED = { candidateCost: 1e9, walkCap: 30 } as const satisfies PlannerOptions;

describe("name tokens", () => {
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
});

describe("in-memory", () => {
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
      // By name: the matching distinct names, sorted, then each one's customers in order;
      // only the customers of one name are sorted (by id), never every match.
      [{ nameFilter: "dental" }, /customer_names_fts VIRTUAL TABLE INDEX[\s\S]*LAST TERM OF ORDER BY/],
      [{ nameFilter: "dental", sortField: "dateCreated" }, /customers_fts VIRTUAL TABLE INDEX/],
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
    const capped = SqliteCustomerStore.open(join(dir, "customers.db"), CAPPED);
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

describe("stored texts", () => {
  it("a page and a stream keep their order, and leave out a customer whose stored text is missing", async () => {
    const sub = mkdtempSync(join(tmpdir(), "customers-texts-"));
    const small = SqliteCustomerStore.open(join(sub, "customers.db"));
    try {
      await seedDatabase(small, 60);
      const q = query({ sortField: "id" }); // random ids: not the order of the seqs
      const before = ids((await small.listPage(q, { page: 0, countPerPage: 10, count: false })).items);
      const csv = async () => {
        const lines: string[] = [];
        for await (const line of small.streamCsv(q)) lines.push(line);
        return lines;
      };
      const beforeCsv = await csv();
      const streamed = ids(await collect(small.stream(q))); // the records' order, which the CSV lines share
      expect(before).toEqual(streamed.slice(0, 10));
      expect(streamed).toEqual([...streamed].sort()); // ids are ASCII: SQLite's order is the code units'
      expect(beforeCsv[0]).toContain(streamed[0]);
      const gone = before[3]!;
      const raw = new Database(join(sub, "customers.db"));
      raw.prepare(`DELETE FROM customer_bodies WHERE seq = (SELECT seq FROM customers WHERE id = ?)`).run(gone);
      raw.close();
      const after = ids((await small.listPage(q, { page: 0, countPerPage: 10, count: false })).items);
      expect(after).toEqual(before.filter((id) => id !== gone));
      const afterCsv = await csv();
      expect(afterCsv).toEqual(beforeCsv.filter((_, i) => streamed[i] !== gone));
    } finally {
      await small.close();
      rmSync(sub, { recursive: true, force: true });
    }
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
      const written = [...local.customers()];
      for (const t of local.tags) {
        const n = written.filter((c) => c.tagIds.includes(t.id!)).length;
        expect((await seeded.listPage(query({ tagIds: [t.id!] }), { page: 0, countPerPage: 1, count: true })).totalCount).toBe(n);
        const u = local.tags[0]!.id!;
        if (u === t.id) continue;
        const both = written.filter((c) => c.tagIds.includes(t.id!) && c.tagIds.includes(u)).length;
        expect((await seeded.listPage(query({ tagIds: [u, t.id!] }), { page: 0, countPerPage: 1, count: true })).totalCount).toBe(both);
      }
      const [c] = customers(
        (await seeded.listPage(query({ sortField: "accountName", sortOrder: "Descend" }), { page: 0, countPerPage: 1, count: false }))
          .items,
      );
      expect(c!.accountName).toBe([...local.accounts].sort((x, y) => cmp(y.name!, x.name!))[0]!.name);
    } finally {
      await fresh.close();
      await seeded.close();
    }
  });
});

describe("openStore", () => {
  it("rejects URLs it cannot serve", async () => {
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
    v1.exec(`INSERT INTO accounts(id, name) VALUES ('acc_0001', 'Acme');
      INSERT INTO tags(id, name) VALUES ('tag_0001', 'VIP');
      INSERT INTO customers(id, account_id, name, name_fold, data) VALUES ('cus_0001', 'acc_0001', 'Old Co', 'old co', '{"plan":{"stringValue":"x"}}');
      INSERT INTO customer_ancestors VALUES (1, 1, 0);
      INSERT INTO customer_tags VALUES (1, 1);`);
    v1.close();
    const s = SqliteCustomerStore.open(file);
    try {
      const page = await s.listPage(query({ nameFilter: "d ", tagIds: ["tag_0001"] }), { page: 0, countPerPage: 5, count: true });
      expect(page.totalCount).toBe(1);
      // Rows that predate stored bodies get one, built from their columns and checked.
      expect(customers(page.items)).toMatchObject([{ id: "cus_0001", accountName: "Acme", data: { plan: { stringValue: "x" } } }]);
      expect((await s.listPage(query({ tagIds: ["tag_0001"] }), { page: 0, countPerPage: 5, count: true })).totalCount).toBe(1);
      expect((await s.listPage(query({ nameFilter: "co" }), { page: 0, countPerPage: 5, count: true })).totalCount).toBe(1);
      expect((await s.listPage(query({ nameFilter: "old" }), { page: 0, countPerPage: 5, count: true })).totalCount).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("refuses to upgrade a database holding a customer the spec forbids, and leaves it as it was", async () => {
    const file = join(dir, "v3-forbidden.db");
    const v3 = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 3)) v3.exec(migration);
    v3.pragma("user_version = 3");
    v3.exec(`INSERT INTO accounts(id, name) VALUES ('acc_0001', 'Acme');
      INSERT INTO customers(id, account_id, name, name_fold, account_name) VALUES ('cus_0001', 'acc_0001', 'Fine', 'fine', 'Acme'),
        ('cus_0002', 'acc_0001', 'Broken', 'broken', 'Acme');
      INSERT INTO customer_documents(seq, schedule) VALUES (1, NULL), (2, '{"timeZoneId": 7}');`);
    v3.close();
    expect(() => SqliteCustomerStore.open(file)).toThrow(/cus_0002 .*\/schedule\/timeZoneId must be string/);
    const after = new Database(file);
    expect(after.pragma("user_version", { simple: true })).toBe(3);
    after.close();
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
