// What only the PostgreSQL store has: its migrations under an advisory lock, its indexes,
// LIKE patterns taken literally, its failures, and --reset. The contract every engine
// keeps is in store.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDatabase } from "../server/demo/seed.js";
import { type Store, StoreUnavailableError } from "../server/store/contract.js";
import { InvalidCustomerError } from "../server/store/customer-body.js";
import { openStore, resetStore } from "../server/store/open.js";
import { connect } from "../server/store/postgres/connect.js";
import { containsPattern } from "../server/store/postgres/query.js";
import { MIGRATIONS, SCHEMA } from "../server/store/postgres/schema.js";
import { PostgresCustomerStore } from "../server/store/postgres/store.js";
import { customers, ids, query, storeModel } from "./support/store-model.js";
import { type TestDatabase, testDatabase } from "./support/test-server.js";

const N = 300;
const { data, grandparent } = storeModel(N);
let database: TestDatabase;
let store: PostgresCustomerStore;

beforeAll(async () => {
  database = await testDatabase("postgres", "store_pg");
  store = (await openStore(database.url)) as PostgresCustomerStore;
  await seedDatabase(store, N);
});

afterAll(async () => {
  await store?.close();
  await database?.drop();
});

describe("nameFilter as a LIKE pattern", () => {
  it("escapes LIKE's wildcards and its escape character, and folds case", () => {
    expect(containsPattern("100%")).toBe("%100\\%%");
    expect(containsPattern("a_b")).toBe("%a\\_b%");
    expect(containsPattern("k\\s")).toBe("%k\\\\s%");
    expect(containsPattern("CAFÉ")).toBe("%café%");
  });
});

describe("indexes", () => {
  // At 300 rows a sequential scan is cheapest; with it priced out, each plan shows the
  // index that answers the filter or the order at a million rows (npm run explain shows those).
  async function plan(q: Parameters<PostgresCustomerStore["explain"]>[0]): Promise<string> {
    return store.sql.begin(async (tx) => {
      await tx`SET LOCAL enable_seqscan = off`;
      const s = new Proxy(store, { get: (target, key) => (key === "sql" ? tx : Reflect.get(target, key)) });
      const statements = await PostgresCustomerStore.prototype.explain.call(s, q, { page: 0, countPerPage: 25, count: false });
      return statements.find((x) => x.role === "page")!.queryPlan.join("\n");
    });
  }

  it.each([
    ["a name filter", { nameFilter: "dental" }, /customers_name_trgm/],
    ["a name filter with wildcards taken literally", { nameFilter: "100%_" }, /customers_name_trgm/],
    ["the default order", {}, /customers_name/],
    ["a descending date order", { sortField: "dateCreated", sortOrder: "Descend" }, /Index Scan Backward using customers_created/],
    ["one tag", { tagIds: [data.tags[0]!.id!] }, /customer_tags_(pkey|by_customer)/],
    ["a parent", { parentCustomerIds: ["cus_x"] }, /customer_ancestors_(pkey|up)/],
    ["a subtree scope", { scope: { kind: "subtree", customerId: "cus_x" } }, /customer_ancestors_(pkey|up)/],
  ] as const)("%s is answered from an index", async (_, q, uses) => {
    expect(await plan(query(q as never))).toMatch(uses);
  });
});

describe("migrations", () => {
  it("two stores opening one fresh database at once apply each migration once", async () => {
    const fresh = await testDatabase("postgres", "migrate_race");
    const opened: Store[] = [];
    try {
      opened.push(...(await Promise.all([openStore(fresh.url), openStore(fresh.url), openStore(fresh.url)])));
      const versions = await (opened[0] as PostgresCustomerStore).sql.unsafe(
        `SELECT version FROM ${SCHEMA}.schema_migrations ORDER BY version`,
      );
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    } finally {
      for (const s of opened) await s.close();
      await fresh.drop();
    }
  });

  /** A database at schema version 1 (before stored bodies) holding `rows`. */
  async function atVersion1(name: string, rows: string): Promise<TestDatabase> {
    const old = await testDatabase("postgres", name);
    const sql = connect(old.url);
    try {
      await sql.begin(async (tx) => {
        await tx.unsafe(`CREATE SCHEMA ${SCHEMA}`);
        await tx.unsafe(`CREATE TABLE ${SCHEMA}.schema_migrations (
          version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
        await tx.unsafe(MIGRATIONS[0]!);
        await tx.unsafe(`INSERT INTO ${SCHEMA}.schema_migrations(version) VALUES (1)`);
        await tx.unsafe(rows);
      });
    } finally {
      await sql.end();
    }
    return old;
  }

  /** Plain customers of acc_0001 with seqs from..to: enough of them span several of the fill's ranges. */
  const fillers = (from: number, to: number) => `
    INSERT INTO customers(seq, id, account_id, name, name_fold, account_name)
      SELECT g, 'cus_f' || lpad(g::text, 6, '0'), 'acc_0001', 'Filler ' || g, 'filler ' || g, 'Acme' FROM generate_series(${from}, ${to}) g;
    INSERT INTO customer_documents(seq) SELECT generate_series(${from}, ${to});
    INSERT INTO customer_ancestors SELECT g, g, 0 FROM generate_series(${from}, ${to}) g;`;

  it("an older database's customers get bodies, built from their rows, when it is opened", async () => {
    const old = await atVersion1(
      "v1_bodies",
      `INSERT INTO accounts(id, name, document) VALUES ('acc_0001', 'Acme', '{}');
      INSERT INTO tags(id, name, color) VALUES ('tag_0001', 'VIP', 'Red');
      INSERT INTO customers(seq, id, account_id, parent_id, name, name_fold, account_name) VALUES
        (1, 'cus_0001', 'acc_0001', NULL, 'Old Co', 'old co', 'Acme'),
        (2, 'cus_0002', 'acc_0001', 'cus_0001', 'Old Branch', 'old branch', 'Acme');
      INSERT INTO customer_documents(seq, data) VALUES (1, '{"plan":{"stringValue":"x"}}'), (2, NULL);
      INSERT INTO customer_ancestors VALUES (1, 1, 0), (2, 2, 0), (1, 2, 1);
      INSERT INTO customer_tags VALUES (1, 2);
      ${fillers(3, 4500)}`,
    );
    const s = await openStore(old.url);
    try {
      const page = await s.listPage(query({ sortField: "id" }), { page: 0, countPerPage: 2, count: true });
      expect(page.totalCount).toBe(4500);
      expect(customers(page.items)).toEqual([
        {
          accountId: "acc_0001",
          breadcrumb: [],
          accountName: "Acme",
          name: "Old Co",
          data: { plan: { stringValue: "x" } },
          tags: [],
          id: "cus_0001",
        },
        {
          accountId: "acc_0001",
          parentCustomerId: "cus_0001",
          breadcrumb: [{ id: "cus_0001", name: "Old Co" }],
          accountName: "Acme",
          name: "Old Branch",
          tags: [{ id: "tag_0001", name: "VIP", color: "Red" }],
          id: "cus_0002",
        },
      ]);
      const [missing] = await (s as PostgresCustomerStore).sql`SELECT count(*)::int AS n FROM customer_documents WHERE body IS NULL`;
      expect(missing!.n).toBe(0);
    } finally {
      await s.close();
      await old.drop();
    }
  });

  it("refuses to upgrade a database holding a customer the spec forbids, and leaves it as it was", async () => {
    const old = await atVersion1(
      "v1_forbidden",
      `INSERT INTO accounts(id, name, document) VALUES ('acc_0001', 'Acme', '{}');
      INSERT INTO customers(seq, id, account_id, name, name_fold, account_name) VALUES
        (1, 'cus_0001', 'acc_0001', 'Fine', 'fine', 'Acme'), (4500, 'cus_0002', 'acc_0001', 'Broken', 'broken', 'Acme');
      INSERT INTO customer_documents(seq, schedule) VALUES (1, NULL), (4500, '{"timeZoneId": 7}');
      INSERT INTO customer_ancestors VALUES (1, 1, 0), (4500, 4500, 0);
      ${fillers(2, 4499)}`,
    );
    try {
      const error = await openStore(old.url).then(
        () => new Error("opened"),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(InvalidCustomerError);
      expect(error.message).toMatch(/cus_0002 .*\/schedule\/timeZoneId must be string/);
      const sql = connect(old.url);
      try {
        expect((await sql`SELECT max(version)::int AS v FROM schema_migrations`)[0]!.v).toBe(1);
        expect(
          await sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'customer_documents' AND column_name = 'body'`,
        ).toHaveLength(0);
      } finally {
        await sql.end();
      }
    } finally {
      await old.drop();
    }
  });

  it("--reset drops the service's schema, and the next open starts afresh", async () => {
    const fresh = await testDatabase("postgres", "reset");
    try {
      const s = await openStore(fresh.url);
      await seedDatabase(s, 20);
      await s.close();
      await resetStore(fresh.url);
      const again = await openStore(fresh.url);
      expect(await again.seedState()).toBe("empty");
      await again.close();
    } finally {
      await fresh.drop();
    }
  });
});

describe("all=true", () => {
  it("streams past the statement timeout: a slow reader is not cut off mid-response", async () => {
    const strict = await PostgresCustomerStore.open(database.url, { max: 2, statementTimeoutMs: 200 });
    try {
      let seen = 0;
      for await (const _ of strict.stream(query())) {
        if (++seen === 1) await new Promise((resolve) => setTimeout(resolve, 600));
      }
      expect(seen).toBe(N);
      // Pages keep the timeout (the stream's session put it back).
      const [row] = await strict.sql<{ statement_timeout: string }[]>`SHOW statement_timeout`;
      expect(row!.statement_timeout).toBe("200ms");
    } finally {
      await strict.close();
    }
  });
});

describe("the seed's claim", () => {
  it("is 'seeding' while the claiming session lives, 'incomplete' once it is gone, and taken once", async () => {
    const fresh = await testDatabase("postgres", "claim");
    const [a, b] = [await openStore(fresh.url), await openStore(fresh.url)];
    try {
      expect(await b.seedState()).toBe("empty");
      expect(await a.claimSeed()).toBe(true);
      expect(await b.claimSeed()).toBe(false);
      expect(await b.seedState()).toBe("seeding");
      await a.close(); // its session ends, as a killed process's does (seed-interrupted.test.ts kills one); the mark stays
      expect(await b.seedState()).toBe("incomplete");
    } finally {
      await b.close();
      await fresh.drop();
    }
  });
});

describe("an unreachable database", () => {
  it("is a StoreUnavailableError naming host and port, never the password", async () => {
    const error = await openStore("postgres://app:s3cret-pw@127.0.0.1:1/customers").then(
      () => new Error("opened"),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain("127.0.0.1:1/customers");
    expect(error.message).not.toContain("s3cret");
  });
});

describe("writes keep the closure table", () => {
  it("a customer added under a grandchild has the whole chain as its breadcrumb", async () => {
    const top = grandparent();
    const [child] = customers(
      (await store.listPage(query({ parentCustomerIds: [top.id], shallowParent: true }), { page: 0, countPerPage: 1, count: false })).items,
    );
    await store.insertCustomers([
      { id: "cus_newleaf", accountId: child!.accountId, parentCustomerId: child!.id, name: "New Leaf", tagIds: [] },
    ]);
    const [leaf] = customers(
      (await store.listPage(query({ specificIds: ["cus_newleaf"] }), { page: 0, countPerPage: 1, count: false })).items,
    );
    expect(leaf!.breadcrumb!.map((b) => b.id)).toEqual([...child!.breadcrumb!.map((b) => b.id), child!.id]);
    const under = await store.listPage(query({ parentCustomerIds: [top.id] }), { page: 0, countPerPage: 1000, count: true });
    expect(ids(under.items)).toContain("cus_newleaf");
  });
});
