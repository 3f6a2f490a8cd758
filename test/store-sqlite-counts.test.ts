// The SQLite store's stored counts (gram-counts.ts and the tag tables): equal to a count
// from scratch after a bulk load, after single inserts, deletes and renames, and after a
// migration of an older file; and the totals the API reports from them equal brute force.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDatabase } from "../server/demo/seed.js";
import { gramsOf } from "../server/store/sqlite/gram-counts.js";
import { foldName, nameGrams } from "../server/store/sqlite/names.js";
import { MIGRATIONS } from "../server/store/sqlite/schema.js";
import { SqliteCustomerStore } from "../server/store/sqlite/store.js";
import { ids, query, storeModel } from "./support/store-model.js";

const N = 300;
const { data } = storeModel(N);
const NAMES = ["", "a", "aa", "Dental Care", "東京 Tower", "Ünïcödé ß", "emoji 😀😀 x", "tab\tand\nnewline", "ÅÅå"];

let dir: string;
let file: string;
let store: SqliteCustomerStore;
let raw: Database.Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customers-counts-"));
  file = join(dir, "customers.db");
  store = SqliteCustomerStore.open(file);
  await seedDatabase(store, N, { batchSize: 97 });
  raw = new Database(file);
});

afterAll(async () => {
  raw.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each token's count from the names as they are now, tokenized in JavaScript. */
function recount(db: Database.Database): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const fold of db.prepare(`SELECT name_fold FROM customers`).pluck().all() as string[]) {
    for (const g of nameGrams(fold).split(" ").filter(Boolean)) counts[g] = (counts[g] ?? 0) + 1;
  }
  return counts;
}

function stored(db: Database.Database): Record<string, number> {
  const rows = db.prepare(`SELECT gram, customer_count FROM name_gram_counts WHERE customer_count <> 0`).raw().all() as [string, number][];
  return Object.fromEntries(rows);
}

/** The per-name counts as stored, and as counted from the customers now. */
function names(db: Database.Database) {
  const q = (sql: string) => db.prepare(sql).raw().all();
  // With rank 1, FTS5 also checks its index against customer_names, the content table; it throws if they differ.
  db.exec(`INSERT INTO customer_names_fts(customer_names_fts, rank) VALUES ('integrity-check', 1)`);
  return {
    stored: {
      names: q(`SELECT name_fold, customer_count FROM customer_names ORDER BY name_fold`),
      tags: q(`SELECT t.tag_seq, n.name_fold, t.customer_count FROM tag_names t JOIN customer_names n ON n.seq = t.name_seq
        ORDER BY n.name_fold, t.tag_seq`),
      accounts: q(`SELECT a.account_id, n.name_fold, a.customer_count FROM account_names a JOIN customer_names n ON n.seq = a.name_seq
        ORDER BY n.name_fold, a.account_id`),
    },
    counted: {
      names: q(`SELECT name_fold, count(*) FROM customers GROUP BY name_fold ORDER BY name_fold`),
      tags: q(`SELECT ct.tag_seq, c.name_fold, count(*) FROM customer_tags ct JOIN customers c ON c.seq = ct.customer_seq
        GROUP BY c.name_fold, ct.tag_seq ORDER BY c.name_fold, ct.tag_seq`),
      accounts: q(`SELECT account_id, name_fold, count(*) FROM customers GROUP BY name_fold, account_id ORDER BY name_fold, account_id`),
    },
  };
}

const total = async (s: SqliteCustomerStore, nameFilter: string) =>
  (await s.listPage(query({ nameFilter }), { page: 0, countPerPage: 5, count: true })).totalCount;

const brute = (db: Database.Database, nameFilter: string) =>
  (db.prepare(`SELECT name_fold FROM customers`).pluck().all() as string[]).filter((f) => f.includes(foldName(nameFilter))).length;

let next = 0;
const customer = (name: string) => ({ id: `cus_count${next++}`, accountId: data.accounts[0]!.id!, name, tagIds: [] });

describe("name gram counts", () => {
  it("SQL tokenizes a name as nameGrams does", () => {
    const sql = raw.prepare(`SELECT gram FROM (${gramsOf("@f")}) ORDER BY gram`).pluck();
    for (const name of NAMES) {
      const fold = foldName(name);
      expect(sql.all({ f: fold }), JSON.stringify(name)).toEqual(nameGrams(fold).split(" ").filter(Boolean).sort());
    }
  });

  it("a bulk load leaves counts equal to a recount", () => {
    expect(stored(raw)).toEqual(recount(raw));
    const n = names(raw);
    expect(n.stored).toEqual(n.counted);
    expect(n.stored.names.length).toBeGreaterThan(0);
  });

  it("single inserts, deletes and renames keep them exact, and totals equal brute force", async () => {
    await store.insertCustomers(NAMES.map(customer));
    expect(stored(raw)).toEqual(recount(raw));
    // Leaves that no user is bound to: nothing references them.
    raw
      .prepare(`DELETE FROM customers WHERE id IN (SELECT id FROM customers WHERE id NOT LIKE 'cus_count%'
        AND id NOT IN (SELECT parent_id FROM customers WHERE parent_id IS NOT NULL)
        AND id NOT IN (SELECT customer_id FROM users WHERE customer_id IS NOT NULL) LIMIT 40)`)
      .run();
    raw.prepare(`DELETE FROM customers WHERE id = 'cus_count3'`).run();
    raw.prepare(`UPDATE customers SET name_fold = 'renamed ßé' WHERE id = 'cus_count6'`).run();
    expect(stored(raw)).toEqual(recount(raw));
    const n = names(raw);
    expect(n.stored).toEqual(n.counted);
    for (const needle of ["a", "de", "e", "東", "京 ", "😀", "😀😀", "ß", "zq"]) {
      expect(await total(store, needle), needle).toBe(brute(raw, needle));
    }
    // The renamed customer is found by its new name only, on either plan.
    for (const force of ["walk", "candidates"] as const) {
      const planned = SqliteCustomerStore.open(file, { force });
      try {
        for (const [needle, found] of [
          ["ßé", ["cus_count6"]],
          ["ß", ["cus_count6", "cus_count5"]],
          ["😀", []],
        ] as const) {
          const page = await planned.listPage(query({ nameFilter: needle }), { page: 0, countPerPage: 50, count: true });
          expect(
            ids(page.items)
              .filter((id) => id?.startsWith("cus_count"))
              .sort(),
            `${force} ${needle}`,
          ).toEqual([...found].sort());
        }
      } finally {
        await planned.close();
      }
    }
  });

  it("a migration fills them for a database from before them", async () => {
    const old = join(dir, "v3.db");
    const v3 = new Database(old);
    v3.exec(MIGRATIONS.slice(0, 3).join(";"));
    v3.pragma("user_version = 3");
    v3.exec(`INSERT INTO accounts(id, name) VALUES ('acc_0001', 'Acme');
      INSERT INTO customers(id, account_id, name, name_fold) VALUES ('cus_0001', 'acc_0001', 'Dee', 'dee'), ('cus_0002', 'acc_0001', 'Ed', 'ed');
      INSERT INTO customers_grams(rowid, grams) SELECT seq, CASE id WHEN 'cus_0001' THEN '${nameGrams("dee")}' ELSE '${nameGrams("ed")}' END FROM customers;`);
    // A customer deleted in a later transaction leaves the grams index a tombstone, which the recount must skip.
    v3.exec(`INSERT INTO customers(id, account_id, name, name_fold) VALUES ('cus_0003', 'acc_0001', 'Dexter', 'dexter');
      INSERT INTO customers_grams(rowid, grams) SELECT seq, '${nameGrams("dexter")}' FROM customers WHERE id = 'cus_0003';`);
    v3.exec(`DELETE FROM customers WHERE id = 'cus_0003'`);
    v3.close();
    const s = SqliteCustomerStore.open(old);
    try {
      expect(await total(s, "e")).toBe(2);
      expect(await total(s, "de")).toBe(1);
      expect(await total(s, "ee")).toBe(1);
      expect(await total(s, "x")).toBe(0); // only in the deleted name
      expect(await total(s, "dee")).toBe(1);
      expect(await total(s, "Ed")).toBe(1);
    } finally {
      await s.close();
    }
    const check = new Database(old);
    expect(stored(check)).toEqual(recount(check));
    const n = names(check);
    expect(n.stored).toEqual(n.counted);
    check.close();
  });
});

describe("counts by distinct name", () => {
  const tags = data.tags.map((t) => t.id!);
  const accounts = data.accounts.map((a) => a.id!);

  it("tagging, untagging, renames, moves and deletes keep them equal to a recount", async () => {
    const tagSeq = (id: string) => raw.prepare(`SELECT seq FROM tags WHERE id = ?`).pluck().get(id) as number;
    await store.insertCustomers([
      { ...customer("Twin Dental"), tagIds: [tags[0]!, tags[1]!] },
      { ...customer("Twin Dental"), tagIds: [tags[0]!] },
      { ...customer("twin dental"), accountId: accounts[1]!, tagIds: [] },
    ]);
    const twin = raw.prepare(`SELECT seq FROM customers WHERE name_fold = 'twin dental' ORDER BY seq`).pluck().all() as number[];
    const steps = [
      () => raw.prepare(`INSERT INTO customer_tags(tag_seq, customer_seq) VALUES (?, ?)`).run(tagSeq(tags[2]!), twin[2]),
      () => raw.prepare(`DELETE FROM customer_tags WHERE tag_seq = ? AND customer_seq = ?`).run(tagSeq(tags[0]!), twin[0]),
      () => raw.prepare(`UPDATE customers SET account_id = ? WHERE seq = ?`).run(accounts[2], twin[1]),
      () => raw.prepare(`UPDATE customers SET name_fold = 'solo dental', account_id = ? WHERE seq = ?`).run(accounts[0], twin[0]),
      () => raw.prepare(`UPDATE customers SET name_fold = name_fold WHERE seq = ?`).run(twin[1]),
      () => raw.prepare(`DELETE FROM customers WHERE seq = ?`).run(twin[1]),
      () => raw.prepare(`DELETE FROM customers WHERE seq = ?`).run(twin[0]), // the last 'solo dental': the name goes
    ];
    for (const [i, run] of steps.entries()) {
      run();
      const n = names(raw);
      expect(n.stored, `after step ${i}`).toEqual(n.counted);
    }
    expect(raw.prepare(`SELECT count(*) FROM customer_names WHERE name_fold = 'solo dental'`).pluck().get()).toBe(0);
  });

  it("a name's total, alone, with a tag or with accounts, equals brute force", async () => {
    const all = raw
      .prepare(`SELECT c.id, c.name_fold, c.account_id, (SELECT json_group_array(t.id) FROM customer_tags ct JOIN tags t ON t.seq = ct.tag_seq
        WHERE ct.customer_seq = c.seq) AS tags FROM customers c`)
      .all() as { id: string; name_fold: string; account_id: string; tags: string }[];
    for (const needle of ["dental", "Twin Dental", "ent", "ß a", "😀😀 ", "zzzq"]) {
      const has = all.filter((c) => c.name_fold.includes(foldName(needle)));
      const count = async (q: Parameters<typeof query>[0]) =>
        (await store.listPage(query({ nameFilter: needle, ...q }), { page: 0, countPerPage: 5, count: true })).totalCount;
      expect(await count({}), needle).toBe(has.length);
      for (const tag of tags.slice(0, 3)) {
        expect(await count({ tagIds: [tag] }), `${needle} ${tag}`).toBe(has.filter((c) => JSON.parse(c.tags).includes(tag)).length);
      }
      const some = [accounts[0]!, accounts[2]!, accounts[0]!];
      expect(await count({ accountIds: some }), needle).toBe(has.filter((c) => some.includes(c.account_id)).length);
      const scope = { kind: "accounts" as const, accountIds: [accounts[1]!] };
      expect(await count({ scope }), needle).toBe(has.filter((c) => c.account_id === accounts[1]).length);
    }
  });
});

describe("tag pair postings", () => {
  const recountPairs = (db: Database.Database) =>
    db
      .prepare(`SELECT a.tag_seq, b.tag_seq, a.customer_seq FROM customer_tags a
        JOIN customer_tags b ON b.customer_seq = a.customer_seq AND b.tag_seq > a.tag_seq ORDER BY 1, 2, 3`)
      .raw()
      .all();
  const storedPairs = (db: Database.Database) =>
    db.prepare(`SELECT low_seq, high_seq, customer_seq FROM customer_tag_pairs ORDER BY 1, 2, 3`).raw().all();

  it("stay equal to a recount through tagging, untagging and deletes", () => {
    expect(storedPairs(raw)).toEqual(recountPairs(raw));
    expect(storedPairs(raw).length).toBeGreaterThan(0);
    const seqs = raw.prepare(`SELECT seq FROM tags ORDER BY seq`).pluck().all() as number[];
    const tagged = raw
      .prepare(`SELECT customer_seq FROM customer_tags GROUP BY customer_seq HAVING count(*) >= 2 LIMIT 3`)
      .pluck()
      .all() as number[];
    raw
      .prepare(`INSERT OR IGNORE INTO customer_tags(tag_seq, customer_seq) SELECT ?, seq FROM customers WHERE seq % 7 = 0`)
      .run(seqs.at(-1));
    raw
      .prepare(
        `DELETE FROM customer_tags WHERE customer_seq = ? AND tag_seq = (SELECT min(tag_seq) FROM customer_tags WHERE customer_seq = ?)`,
      )
      .run(tagged[0], tagged[0]);
    raw.prepare(`DELETE FROM customer_tags WHERE customer_seq = ?`).run(tagged[1]);
    expect(storedPairs(raw)).toEqual(recountPairs(raw));
  });

  it("all-of two and three tags, alone and with other filters, equal brute force under every plan", async () => {
    const rows = raw
      .prepare(`SELECT c.id, c.name_fold, c.account_id, (SELECT json_group_array(t.id) FROM customer_tags ct JOIN tags t ON t.seq = ct.tag_seq
        WHERE ct.customer_seq = c.seq) AS tags FROM customers c`)
      .all() as { id: string; name_fold: string; account_id: string; tags: string }[];
    const all = rows.map((c) => ({ ...c, tags: JSON.parse(c.tags) as string[] }));
    const ts = data.tags.slice(0, 4).map((t) => t.id!);
    const sets = [
      [ts[0]!, ts[1]!],
      [ts[2]!, ts[0]!],
      [ts[0]!, ts[1]!, ts[2]!],
      [ts[3]!, ts[1]!, ts[2]!, ts[0]!],
    ];
    let seen = 0;
    for (const force of [undefined, "walk", "candidates"] as const) {
      const planned = SqliteCustomerStore.open(file, force ? { force } : {});
      try {
        for (const tagIds of sets) {
          const extras: { nameFilter?: string; accountIds?: string[] }[] = [
            {},
            { nameFilter: "e" },
            { accountIds: [data.accounts[0]!.id!] },
          ];
          for (const extra of extras) {
            const want = all.filter(
              (c) =>
                tagIds.every((t) => c.tags.includes(t)) &&
                (extra.nameFilter === undefined || c.name_fold.includes(extra.nameFilter)) &&
                (extra.accountIds === undefined || extra.accountIds.includes(c.account_id)),
            );
            seen += want.length;
            const page = await planned.listPage(query({ tagIds, ...extra, sortField: "id" }), { page: 0, countPerPage: 1000, count: true });
            expect(page.totalCount, `${force} ${tagIds} ${JSON.stringify(extra)}`).toBe(want.length);
            expect(ids(page.items)).toEqual(want.map((c) => c.id).sort());
          }
        }
      } finally {
        await planned.close();
      }
    }
    expect(seen).toBeGreaterThan(0);
  });
});
