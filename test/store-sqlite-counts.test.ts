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
import { query, storeModel } from "./support/store-model.js";

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

const total = async (s: SqliteCustomerStore, nameFilter: string) =>
  (await s.listPage(query({ nameFilter }), { page: 0, countPerPage: 5, count: true })).totalCount;

const brute = (db: Database.Database, nameFilter: string) =>
  (db.prepare(`SELECT name_fold FROM customers`).pluck().all() as string[]).filter((f) => f.includes(foldName(nameFilter))).length;

let next = 0;
const customer = (name: string) => ({ id: `cus_count_${next++}`, accountId: data.accounts[0]!.id!, name, tagIds: [] });

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
  });

  it("single inserts, deletes and renames keep them exact, and totals equal brute force", async () => {
    await store.insertCustomers(NAMES.map(customer));
    expect(stored(raw)).toEqual(recount(raw));
    // Leaves that no user is bound to: nothing references them.
    raw
      .prepare(`DELETE FROM customers WHERE id IN (SELECT id FROM customers WHERE id NOT LIKE 'cus_count_%'
        AND id NOT IN (SELECT parent_id FROM customers WHERE parent_id IS NOT NULL)
        AND id NOT IN (SELECT customer_id FROM users WHERE customer_id IS NOT NULL) LIMIT 40)`)
      .run();
    raw.prepare(`DELETE FROM customers WHERE id = 'cus_count_3'`).run();
    raw.prepare(`UPDATE customers SET name_fold = 'renamed ßé' WHERE id = 'cus_count_6'`).run();
    expect(stored(raw)).toEqual(recount(raw));
    for (const needle of ["a", "de", "e", "東", "京 ", "😀", "😀😀", "ß", "zq"]) {
      expect(await total(store, needle), needle).toBe(brute(raw, needle));
    }
    // The renamed customer is found by its new name only, on either plan.
    for (const force of ["walk", "candidates"] as const) {
      const planned = SqliteCustomerStore.open(file, { force });
      try {
        for (const [needle, found] of [
          ["ßé", ["cus_count_6"]],
          ["ß", ["cus_count_6", "cus_count_5"]],
          ["😀", []],
        ] as const) {
          const page = await planned.listPage(query({ nameFilter: needle }), { page: 0, countPerPage: 50, count: true });
          expect(
            page.items
              .map((c) => c.id)
              .filter((id) => id?.startsWith("cus_count_"))
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
    v3.exec(`INSERT INTO accounts(id, name) VALUES ('acc_1', 'Acme');
      INSERT INTO customers(id, account_id, name, name_fold) VALUES ('cus_1', 'acc_1', 'Dee', 'dee'), ('cus_2', 'acc_1', 'Ed', 'ed');
      INSERT INTO customers_grams(rowid, grams) SELECT seq, CASE id WHEN 'cus_1' THEN '${nameGrams("dee")}' ELSE '${nameGrams("ed")}' END FROM customers;`);
    v3.close();
    const s = SqliteCustomerStore.open(old);
    try {
      expect(await total(s, "e")).toBe(2);
      expect(await total(s, "de")).toBe(1);
      expect(await total(s, "ee")).toBe(1);
      expect(await total(s, "x")).toBe(0);
    } finally {
      await s.close();
    }
    const check = new Database(old);
    expect(stored(check)).toEqual(recount(check));
    check.close();
  });
});
