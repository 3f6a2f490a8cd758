// How the store answers each kind of customers query: for every scenario, the plan the
// store chose, each statement it ran (SQL, parameters, EXPLAIN QUERY PLAN on SQLite,
// EXPLAIN ANALYZE on PostgreSQL, see explain-postgres.ts) and the median time of a page
// with and without the count, measured on one warm connection.
//
//   npm run explain [-- --runs 15] [--only REGEX] [--summary]
//   DATABASE_URL=sqlite:.tmp/bench-1m.db npm run explain
//   DATABASE_URL=postgres://user:pw@host/db npm run explain
//
// The statements come from SqliteCustomerStore.explain(), which runs the real listPage
// with a trace: what is printed is what the server runs, probes included.
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { DEFAULT_DATABASE_URL } from "../../server/config.js";
import { explainPostgres, postgresLookup, type Scenario } from "./explain-postgres.js";
import { SORT_FIELDS, SqliteCustomerStore } from "../../server/store/sqlite/store.js";
import type { CustomerQuery, PageRequest } from "../../server/store/contract.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    only: { type: "string" },
    summary: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(
    "usage: npm run explain -- [--runs N] [--only REGEX] [--summary]\n" +
      `DATABASE_URL selects the database (default ${DEFAULT_DATABASE_URL}); it must be seeded (npm run seed).\n`,
  );
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");

const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const onPostgres = /^postgres(ql)?:\/\//.test(url);
if (!onPostgres && !url.startsWith("sqlite:")) throw new Error("explain reads sqlite:PATH or postgres:// databases");
const path = url.slice("sqlite:".length);

/** Ids for the scenarios, looked up once (the demo data names them); the SQL runs on both engines. */
interface Lookup {
  one<T>(sql: string, ...params: unknown[]): Promise<T>;
  all<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}
const side: Lookup = onPostgres ? await postgresLookup(url) : sqliteLookup(path);
const tagId = (name: string) => side.one<string>(`SELECT id FROM tags WHERE name = ?`, name);
const accountsBySize = await side.all<{ id: string; name: string }>(
  `SELECT id, name FROM accounts ORDER BY (SELECT count(*) FROM customers c WHERE c.account_id = accounts.id) DESC`,
);
const manager = JSON.parse(await side.one<string>(`SELECT account_ids FROM users WHERE username = 'manager'`)) as string[];
const bound = await side.one<string>(`SELECT customer_id FROM users WHERE username = 'customer'`);
// The customer with the most descendants, and one with a handful: a broad and a selective parent.
const [subtreeSizes] = await side.all<{ id: string; n: number }>(`SELECT c.id, CAST(count(*) AS INTEGER) AS n
  FROM customer_ancestors a JOIN customers c ON c.seq = a.ancestor_seq
  WHERE a.depth = 1 GROUP BY c.seq, c.id ORDER BY n DESC LIMIT 1`);
const smallParent =
  (await side.one<string>(`SELECT c.id FROM customers c WHERE c.seq IN (SELECT ancestor_seq FROM customer_ancestors
  WHERE depth = 1 AND ancestor_seq > 1000 GROUP BY ancestor_seq HAVING count(*) BETWEEN 2 AND 5 LIMIT 1)`)) ?? subtreeSizes!.id;
const deepRoot = await side.one<string>(`SELECT c.id FROM customers c WHERE c.seq = (SELECT ancestor_seq FROM customer_ancestors
  WHERE depth >= 1 AND ancestor_seq <= 100 GROUP BY ancestor_seq ORDER BY count(*) DESC LIMIT 1)`);
const vip = await tagId("VIP");
const enterprise = await tagId("Enterprise");
const legal = await tagId("Legal");
await side.close();

function sqliteLookup(file: string): Lookup {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    one: async <T>(sql: string, ...params: unknown[]) =>
      db
        .prepare(sql)
        .pluck()
        .get(...params) as T,
    all: async <T>(sql: string) => db.prepare(sql).all() as T[],
    close: async () => {
      db.close();
    },
  };
}

const all = { kind: "all" } as const;
const q = (over: Partial<CustomerQuery>): CustomerQuery => ({ scope: all, sortField: "name", sortOrder: "Ascend", ...over });
const scenarios: Scenario[] = [
  { name: "default page (name asc)", q: q({}) },
  { name: "default page, descending", q: q({ sortOrder: "Descend" }) },
  { name: "one account (largest)", q: q({ accountIds: [accountsBySize[0]!.id] }) },
  { name: "one account (smallest), sort dateCreated", q: q({ accountIds: [accountsBySize.at(-1)!.id], sortField: "dateCreated" }) },
  { name: "two accounts, sort accountName", q: q({ accountIds: accountsBySize.slice(0, 2).map((a) => a.id), sortField: "accountName" }) },
  { name: "parent, deep, broad (most descendants)", q: q({ parentCustomerIds: [deepRoot] }) },
  { name: "parent, shallow, broad", q: q({ parentCustomerIds: [subtreeSizes!.id], shallowParent: true }) },
  { name: "parent, deep, selective", q: q({ parentCustomerIds: [smallParent] }) },
  { name: "one tag (VIP), broad", q: q({ tagIds: [vip] }) },
  { name: "one tag, sort dateCreated desc", q: q({ tagIds: [vip], sortField: "dateCreated", sortOrder: "Descend" }) },
  { name: "tags all-of (VIP + Enterprise)", q: q({ tagIds: [vip, enterprise] }) },
  { name: "tags all-of, three", q: q({ tagIds: [vip, enterprise, legal] }) },
  { name: "name 'dental', broad", q: q({ nameFilter: "dental" }) },
  { name: "name 'dental', sort dateCreated", q: q({ nameFilter: "dental", sortField: "dateCreated" }) },
  { name: "name 'ångström', selective", q: q({ nameFilter: "ångström" }) },
  { name: "name 'zyzzyva', no match", q: q({ nameFilter: "zyzzyva" }) },
  { name: "name 'de' (2 chars), broad", q: q({ nameFilter: "de" }) },
  { name: "name '東京' (2 chars), rare", q: q({ nameFilter: "東京" }) },
  { name: "tag + name (VIP, 'dental')", q: q({ tagIds: [vip], nameFilter: "dental" }) },
  { name: "specificIds (3)", q: q({ specificIds: [bound, deepRoot, smallParent] }) },
  ...SORT_FIELDS.filter((f) => f !== "name").map((sortField) => ({ name: `sort ${sortField}`, q: q({ sortField }) })),
  { name: "manager scope (2 accounts)", q: q({ scope: { kind: "accounts", accountIds: manager } }) },
  {
    name: "manager scope, sort dateCreated desc",
    q: q({ scope: { kind: "accounts", accountIds: manager }, sortField: "dateCreated", sortOrder: "Descend" }),
  },
  { name: "manager scope, name 'dental'", q: q({ scope: { kind: "accounts", accountIds: manager }, nameFilter: "dental" }) },
  { name: "manager scope, tag VIP", q: q({ scope: { kind: "accounts", accountIds: manager }, tagIds: [vip] }) },
  { name: "customer scope (subtree)", q: q({ scope: { kind: "subtree", customerId: bound } }) },
  { name: "customer scope, name 'dental'", q: q({ scope: { kind: "subtree", customerId: bound }, nameFilter: "dental" }) },
  { name: "deep page 2000 (offset 50,000)", q: q({}), page: 2000 },
  { name: "deep page 2000, one tag", q: q({ tagIds: [vip] }), page: 2000 },
  { name: "deep page 200, name 'dental'", q: q({ nameFilter: "dental" }), page: 200 },
];

if (onPostgres) {
  await explainPostgres(url, scenarios, { runs, only: values.only, summary: values.summary });
  process.exit(0);
}

const store = SqliteCustomerStore.open(path);
// Times single statements (a probe, the page, the count) apart from the whole listPage.
const timer = new Database(path, { readonly: true, fileMustExist: true });
timer.pragma("cache_size = -131072"); // as the store's own connection (SqliteCustomerStore.open)
timer.pragma("mmap_size = 2147418112");
function timeStatement(sql: string, params: unknown[]): number {
  const stmt = timer.prepare(sql);
  const run = () => (stmt.reader ? stmt.all(params) : stmt.run(params));
  run();
  const ms: number[] = [];
  for (let i = 0; i < Math.min(runs, 7); i++) {
    const t = performance.now();
    run();
    ms.push(performance.now() - t);
  }
  return median(ms);
}
const only = values.only ? new RegExp(values.only, "i") : undefined;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function time(sc: Scenario, count: boolean): Promise<number> {
  const page: PageRequest = { page: sc.page ?? 0, countPerPage: 25, count };
  await store.listPage(sc.q, page); // warm the statement cache and the pages it reads
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await store.listPage(sc.q, page);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const rows: { name: string; plan: string; withCount: number; withoutCount: number; total?: number }[] = [];
const out = (s: string) => process.stdout.write(`${s}\n`);
const oneLine = (sql: string) => sql.replace(/\s+/g, " ").trim();

out(`# Query plans of ${path} (median of ${runs} runs, page of 25)\n`);
for (const sc of scenarios) {
  if (only && !only.test(sc.name)) continue;
  const page: PageRequest = { page: sc.page ?? 0, countPerPage: 25, count: true };
  const e = store.explain(sc.q, page);
  const total = (await store.listPage(sc.q, page)).totalCount;
  const withCount = await time(sc, true);
  const withoutCount = await time(sc, false);
  const plan = e.plan + (e.fellBack ? " → candidates" : "");
  rows.push({ name: sc.name, plan, withCount, withoutCount, ...(total === undefined ? {} : { total }) });
  if (values.summary) continue;
  out(`## ${sc.name}${sc.page ? ` (page ${sc.page})` : ""}`);
  out(`plan: ${plan}; ${total} matches; ${withCount.toFixed(2)} ms with count, ${withoutCount.toFixed(2)} ms without\n`);
  for (const s of e.statements) {
    out(`  [${s.role}] ${timeStatement(s.sql, s.params).toFixed(2)} ms: ${oneLine(s.sql)}`);
    out(`    params: ${JSON.stringify(s.params).slice(0, 200)}`);
    for (const line of s.queryPlan) out(`    | ${line}`);
  }
  out("");
}

out("## Summary\n");
out("| scenario | plan | matches | page + count (ms) | page only (ms) | only / full |");
out("| --- | --- | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  out(
    `| ${r.name} | ${r.plan} | ${r.total ?? ""} | ${r.withCount.toFixed(2)} | ${r.withoutCount.toFixed(2)} | ${(r.withoutCount / r.withCount).toFixed(2)} |`,
  );
}
timer.close();
await store.close();
