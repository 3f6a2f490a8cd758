// The SQL of a page query on SQLite: the sort columns and their indexes, and the two
// shapes a page takes (a walk of the sort index, or the sorted candidates of one filter).
// Which shape a query gets is the planner's choice (planner.ts).
import type { CustomerQuery, SortField } from "../contract.js";
import { isDescending } from "../sort-order.js";

/**
 * Each sortable field: its column, and the index that holds it in order with `id`, the
 * tie-breaker (walk plans name it with INDEXED BY). These are the only texts ever
 * spliced into SQL besides fixed fragments.
 */
export const SORTS = {
  id: ["c.id", "sqlite_autoindex_customers_1"],
  name: ["c.name_fold", "customers_name"],
  accountId: ["c.account_id", "customers_account"],
  accountName: ["c.account_name", "customers_by_account_name"],
  parentCustomerId: ["c.parent_id", "customers_parent"],
  referenceId: ["c.reference_id", "customers_reference"],
  isStaging: ["c.is_staging", "customers_staging"],
  overrideBillingSettings: ["c.override_billing_settings", "customers_override_billing"],
  overrideAppSettings: ["c.override_app_settings", "customers_override_app"],
  dateCreated: ["c.date_created", "customers_created"],
  dateLastModified: ["c.date_last_modified", "customers_modified"],
  createdBy: ["c.created_by", "customers_created_by"],
  lastModifiedBy: ["c.last_modified_by", "customers_modified_by"],
} as const satisfies Record<SortField, readonly [string, string]>;

export const SORT_FIELDS = Object.keys(SORTS) as SortField[];

/** Up to this many accounts, a name-sorted walk merges per-account index walks. */
export const MERGE_MAX_ACCOUNTS = 16;
export const PAGED = " LIMIT ? OFFSET ?";

export interface Sql {
  sql: string;
  params: unknown[];
}

/** One filter, in the two forms the plans need. */
export interface Term {
  kind: "accounts" | "subtree" | "parents" | "tags" | "name" | "ids";
  /** A SELECT of distinct customer seqs (column `seq`) answered from an index. */
  driver?: Sql;
  /** A per-row predicate on the customer aliased `alias`. */
  test: (alias: string) => string;
  testParams: unknown[];
  /** The test reads only the alias's seq (index probes), never a table column. */
  seqOnly: boolean;
  /** Matches at most this many customers (known free, or by a bounded probe). */
  size?: number;
  /** `size` is the exact number of matches. */
  exact: boolean;
  /** A probe stopped at `size`: there are at least that many matches. */
  atLeast?: boolean;
  /** Expected matches when it differs from `size` (several tags: the product of their shares). */
  estimate?: number;
  /** For `accounts`: the ids, so a name-sorted walk can use (account_id, name_fold, id). */
  accountIds?: string[];
  /** For `tags`: their seqs. */
  tagSeqs?: number[];
  /** For `name`, a needle of 3+ characters: its FTS5 phrase, for the counts by distinct name. */
  phrase?: string;
  /** A walk tests this term as the set of its driver's seqs (the planner's choice). */
  walkAsSet?: boolean;
}

/**
 * A walk's test of one term. As a set, SQLite reads the driver once into an in-memory
 * index (an IN subquery that does not depend on the row) and each row is one probe of it,
 * instead of a probe of the term's own index, which for the closure table is a large one.
 */
function walkTest(t: Term, c: string): Sql {
  // `+`: the set is a test, never a way in; the plan has already chosen its index.
  return t.walkAsSet ? { sql: `+${c}.seq IN (${t.driver!.sql})`, params: t.driver!.params } : { sql: t.test(c), params: t.testParams };
}

export interface Resolved {
  q: CustomerQuery;
  terms: Term[];
  /** Customers in the database. */
  total: number;
}

function orderBy(q: CustomerQuery, key: string = SORTS[q.sortField][0], id = "c.id"): string {
  const dir = isDescending(q.sortOrder) ? "DESC" : "ASC";
  // `id` last makes the order total, so pages never overlap or skip.
  return q.sortField === "id" ? `${id} ${dir}` : `${key} ${dir}, ${id} ${dir}`;
}

/**
 * Walks the sort order's index and tests every filter per row. With `cap`, the walk reads
 * at most that many index rows (a subquery with its own LIMIT) and yields those that pass.
 * A name-sorted walk inside a few accounts walks (account_id, name_fold, id) once per
 * account and lets SQLite merge the walks (MERGE (UNION ALL)) instead of testing the
 * account of every name in the table.
 */
export function walkQuery(r: Resolved, cap?: number): Sql {
  const { q } = r;
  const select = "c.seq AS seq";
  const accounts = r.terms.find((t) => t.kind === "accounts");
  const perAccount =
    q.sortField === "name" && accounts && accounts.accountIds!.length <= MERGE_MAX_ACCOUNTS ? accounts.accountIds! : undefined;
  const tests = r.terms.filter((t) => !(perAccount && t === accounts));
  const testSql = tests.map((t) => walkTest(t, "c").sql).join(" AND ");
  const testParams = tests.flatMap((t) => walkTest(t, "c").params);
  // Capped: the tests become a column, so the inner LIMIT counts rows read, not rows matched.
  const outputs = cap === undefined ? select : `${select}, ${testSql || "1"} AS ok`;
  const filter = cap === undefined ? testSql : "";
  const limit = cap === undefined ? "" : " LIMIT ?";
  const wrap = (inner: Sql): Sql =>
    cap === undefined ? inner : { sql: `SELECT seq FROM (${inner.sql}) WHERE ok`, params: [...inner.params, cap] };

  if (perAccount) {
    const where = (extra: string) => `WHERE c.account_id = ?${extra ? ` AND ${extra}` : ""}`;
    const armParams = cap === undefined ? testParams : [];
    const outputParams = cap === undefined ? [] : testParams;
    if (perAccount.length === 1) {
      return wrap({
        sql: `SELECT ${outputs} FROM customers c INDEXED BY customers_account_name ${where(filter)} ORDER BY ${orderBy(q)}${limit}`,
        params: [...outputParams, perAccount[0], ...armParams],
      });
    }
    const arm = `SELECT ${outputs}, c.name_fold AS sort_key, c.id AS sort_id FROM customers c INDEXED BY customers_account_name ${where(filter)}`;
    return wrap({
      sql: `${perAccount.map(() => arm).join(" UNION ALL ")} ORDER BY ${orderBy(q, "sort_key", "sort_id")}${limit}`,
      params: perAccount.flatMap((a) => [...outputParams, a, ...armParams]),
    });
  }
  const index = SORTS[q.sortField][1];
  return wrap({
    sql: `SELECT ${outputs} FROM customers c INDEXED BY ${index}${filter ? ` WHERE ${filter}` : ""} ORDER BY ${orderBy(q)}${limit}`,
    params: testParams,
  });
}

/**
 * The driver's matches, each looked up by rowid (CROSS JOIN: the driver is the outer loop,
 * streamed, never materialized into an IN list), the other filters tested on each, then
 * sorted.
 */
export function candidatesQuery(r: Resolved, driver: Term): Sql {
  if (driver.kind === "name" && driver.phrase && r.q.sortField === "name") return byNamesQuery(r, driver);
  const others = r.terms.filter((t) => t !== driver);
  const select = "c.seq AS seq";
  const tests = others.map((t) => ` AND ${t.test("c")}`).join("");
  return {
    sql: `SELECT ${select} FROM (${driver.driver!.sql}) d CROSS JOIN customers c ON c.seq = d.seq${tests.replace(" AND", " WHERE")} ORDER BY ${orderBy(r.q)}`,
    params: [...driver.driver!.params, ...others.flatMap((t) => t.testParams)],
  };
}

/**
 * A substring filter's matches sorted by name, found through the distinct names that
 * contain it (customer_names_fts, several times fewer than the customers who bear them):
 * the names are sorted, and each name's customers read in id order from customers_name,
 * the other filters tested on each. SQLite then sorts only within one name ("LAST TERM OF
 * ORDER BY"), so a page stops at its last name instead of sorting every match. In
 * `npm run explain`, with totals: at 1M, page 200 of 'dental' 62 -> 7 ms; at 100k,
 * 'dental' with one tag (after its capped walk falls short) 13.4 -> 6.5 ms.
 */
function byNamesQuery(r: Resolved, name: Term): Sql {
  const others = r.terms.filter((t) => t !== name);
  const dir = isDescending(r.q.sortOrder) ? "DESC" : "ASC";
  const tests = others.map((t) => t.test("c")).join(" AND ");
  // LIMIT -1 keeps the sorted names a subquery of their own, whose order the outer query uses.
  const names = `SELECT n.name_fold FROM customer_names_fts f CROSS JOIN customer_names n ON n.seq = f.rowid
    WHERE customer_names_fts MATCH ? ORDER BY n.name_fold ${dir} LIMIT -1`;
  return {
    sql: `SELECT c.seq AS seq FROM (${names}) m CROSS JOIN customers c INDEXED BY customers_name ON c.name_fold = m.name_fold${
      tests ? ` WHERE ${tests}` : ""
    } ORDER BY m.name_fold ${dir}, c.id ${dir}`,
    params: [name.phrase, ...others.flatMap((t) => t.testParams)],
  };
}
