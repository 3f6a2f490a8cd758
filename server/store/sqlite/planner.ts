// The SQLite store's planner: what each filter of a query is (a driver that lists its
// matches from an index, and a per-row test), what is known of its size, and the plan
// a page takes by those sizes. The SQL of each plan is in sql.ts.
import type { CustomerQuery } from "../contract.js";
import { foldName, ftsPhrase, gramToken } from "./names.js";
import type { Reader, TracedStatement } from "./rows.js";
import { accountsOf, nonEmpty } from "../scope.js";
import { MERGE_MAX_ACCOUNTS, type Resolved, type Term } from "./sql.js";
import { tagsTerm } from "./tag-term.js";

/**
 * How a page is found, chosen per query by how many rows the filters match:
 * - `walk`: walk the sort order's index and test every filter per row; LIMIT stops the
 *   walk early, so a broad filter costs about (offset + limit) / (fraction matching) rows.
 * - `walk-capped`: the same, but the walk gives up after `cap` rows of the index; if the
 *   page is not complete by then, the query falls back to `candidates`. Used when every
 *   filter alone is broad but their combination may not be.
 * - `candidates`: collect the matches of the most selective filter from its own index,
 *   test the rest, sort what is left: costs about the number of candidates.
 */
export type PlanKind = "walk" | "walk-capped" | "candidates";

export interface PlannerOptions {
  /** Tests and diagnostics: use this plan wherever the query allows it. */
  force?: "walk" | "candidates";
  /**
   * Cost of a candidate row (a table read plus a sort insert) relative to a walked row.
   * The break-even size is sqrt((offset + limit) × customers / candidateCost).
   */
  candidateCost?: number;
  /** Tests: the cap of a capped walk, in index rows. */
  walkCap?: number;
}

/** Measured at 1M customers (scripts/bench/explain.ts): a candidate costs about 2 walked rows. */
const DEFAULT_CANDIDATE_COST = 2;
/** A capped walk may read this many times the rows it expects to need before giving up. */
const WALK_CAP_SLACK = 2;
/**
 * A walk tests a subtree or a parent's descendants as a set (sql.ts, walkTest) up to this
 * many times the threshold. Reading the set costs about a quarter of a walked row's
 * closure probe per member and saves about half of one per row (1M customers: 6,430
 * descendants, 4,300 rows walked in name order, 5.8 ms probing, 3.1 ms with the set),
 * so it pays while the walk reads more rows than half the set has members: up to about
 * twice the size where collecting the candidates pays instead.
 */
const SET_SLACK = 2;

/** The name probe reads at most threshold / this many distinct names (probeByNames). */
const NAMES_PROBE_SHARE = 4;

const closure = (t: Term) => t.kind === "parents" || t.kind === "subtree";

export interface Choice {
  kind: PlanKind;
  /** The candidates' source (and a capped walk's fallback). */
  driver?: Term;
  cap?: number;
  /** The probe limit: sizes below it are exact. */
  threshold: number;
}

/** Turns the query into terms with what is known of their sizes; undefined when it provably matches nothing. */
export function resolve(db: Reader, q: CustomerQuery, trace?: TracedStatement[]): Resolved | undefined {
  const terms: Term[] = [];
  const json = (ids: string[]) => JSON.stringify(ids);
  const total = db.value<number>("customers", `SELECT coalesce(sum(customer_count), 0) FROM accounts`, [], trace) ?? 0;

  const accounts = accountsOf(q);
  switch (q.scope.kind) {
    case "all":
      break;
    case "accounts":
      break; // accountsOf(q) above
    case "subtree": {
      const root = db.value<number>("resolve subtree", `SELECT seq FROM customers WHERE id = ?`, [q.scope.customerId], trace);
      if (root === undefined) return undefined;
      terms.push({
        kind: "subtree",
        driver: { sql: `SELECT customer_seq AS seq FROM customer_ancestors WHERE ancestor_seq = ?`, params: [root] },
        // The (customer_seq, …) index: a customer has at most a handful of ancestors,
        // while the primary key would read the whole subtree for every row.
        test: (c) => `EXISTS (SELECT 1 FROM customer_ancestors x INDEXED BY customer_ancestors_up
          WHERE x.customer_seq = ${c}.seq AND x.ancestor_seq = ?)`,
        testParams: [root],
        seqOnly: true,
        exact: false,
      });
      break;
    }
    default:
      throw new Error(`unknown scope ${JSON.stringify(q.scope satisfies never)}`);
  }
  if (accounts) {
    if (accounts.length === 0) return undefined;
    const size =
      db.value<number>(
        "account sizes",
        `SELECT coalesce(sum(customer_count), 0) FROM accounts
      WHERE id IN (SELECT value FROM json_each(?))`,
        [json(accounts)],
        trace,
      ) ?? 0;
    if (size === 0) return undefined;
    const one = accounts.length === 1;
    terms.push({
      kind: "accounts",
      accountIds: accounts,
      size,
      exact: true,
      seqOnly: false,
      driver: one
        ? { sql: `SELECT seq FROM customers WHERE account_id = ?`, params: [accounts[0]] }
        : { sql: `SELECT seq FROM customers WHERE account_id IN (SELECT value FROM json_each(?))`, params: [json(accounts)] },
      // `+` keeps the column from choosing an index: the plan has already chosen.
      test: (c) => (one ? `+${c}.account_id = ?` : `+${c}.account_id IN (SELECT value FROM json_each(?))`),
      testParams: [one ? accounts[0] : json(accounts)],
    });
  }

  if (nonEmpty(q.specificIds)) {
    const ids = [...new Set(q.specificIds)];
    terms.push({
      kind: "ids",
      size: ids.length,
      exact: false,
      seqOnly: false,
      driver: { sql: `SELECT seq FROM customers WHERE id IN (SELECT value FROM json_each(?))`, params: [json(ids)] },
      test: (c) => `+${c}.id IN (SELECT value FROM json_each(?))`,
      testParams: [json(ids)],
    });
  }

  if (nonEmpty(q.parentCustomerIds)) {
    const parents = db.column<number>(
      "resolve parents",
      `SELECT seq FROM customers WHERE id IN (SELECT value FROM json_each(?))`,
      [json([...new Set(q.parentCustomerIds)])],
      trace,
    );
    if (parents.length === 0) return undefined;
    const depth = q.shallowParent ? "depth = 1" : "depth >= 1";
    // One parent (the usual case) is an equality: a correlated IN list costs per row.
    const one = parents.length === 1;
    const among = one ? "= ?" : "IN (SELECT value FROM json_each(?))";
    const parentParam = one ? parents[0] : JSON.stringify(parents);
    // A customer has one parent, but may descend from several of the given customers.
    const distinct = !q.shallowParent && parents.length > 1 ? "DISTINCT " : "";
    terms.push({
      kind: "parents",
      exact: false,
      seqOnly: true,
      driver: {
        sql: `SELECT ${distinct}customer_seq AS seq FROM customer_ancestors
        WHERE ancestor_seq ${among} AND ${depth}`,
        params: [parentParam],
      },
      test: (c) => `EXISTS (SELECT 1 FROM customer_ancestors x INDEXED BY customer_ancestors_up
        WHERE x.customer_seq = ${c}.seq AND x.${depth} AND x.ancestor_seq ${among})`,
      testParams: [parentParam],
    });
  }

  if (nonEmpty(q.tagIds)) {
    const tags = tagsTerm(db, [...new Set(q.tagIds)], total, trace);
    if (!tags) return undefined;
    terms.push(tags);
  }

  if (q.nameFilter !== undefined && q.nameFilter !== "") {
    const needle = foldName(q.nameFilter);
    const phrase = ftsPhrase(needle);
    // A 1–2 character needle is one grams token, whose count is stored (gram-counts.ts).
    const size = phrase
      ? undefined
      : (db.value<number>("gram count", `SELECT customer_count FROM name_gram_counts WHERE gram = ?`, [gramToken(needle)], trace) ?? 0);
    if (size === 0) return undefined;
    terms.push({
      kind: "name",
      ...(size === undefined ? { exact: false } : { size, exact: true }),
      ...(phrase ? { phrase } : {}),
      seqOnly: false,
      // Both indexes match exactly: no recheck against the table.
      driver: phrase
        ? { sql: `SELECT rowid AS seq FROM customers_fts WHERE customers_fts MATCH ?`, params: [phrase] }
        : { sql: `SELECT rowid AS seq FROM customers_grams WHERE customers_grams MATCH ?`, params: [gramToken(needle)] },
      test: (c) => `instr(${c}.name_fold, ?) > 0`,
      testParams: [needle],
    });
  }

  return { q, terms, total };
}

/** `want`: offset + rows wanted (the whole table for a stream). */
export function choose(db: Reader, planner: PlannerOptions, r: Resolved, want: number, trace?: TracedStatement[]): Choice {
  const cost = planner.candidateCost ?? DEFAULT_CANDIDATE_COST;
  // Walking costs want × total / size rows, collecting costs cost × size: equal at this size.
  const threshold = Math.max(1, Math.ceil(Math.sqrt((want * r.total) / cost)));
  const drivers = r.terms.filter((t) => t.driver);
  if (planner.force === "walk" || drivers.length === 0) return { kind: "walk", threshold };
  // Accounts alone, sorted by name: (account_id, name_fold, id) answers the filter and the
  // order at once, so the walk reads just the rows it returns (and skips), at any size.
  const [only] = r.terms;
  if (
    r.terms.length === 1 &&
    only!.kind === "accounts" &&
    r.q.sortField === "name" &&
    only!.accountIds!.length <= MERGE_MAX_ACCOUNTS &&
    planner.force !== "candidates"
  ) {
    return { kind: "walk", driver: only, threshold };
  }
  const smallest = () => drivers.reduce((a, b) => ((b.size ?? Infinity) < (a.size ?? Infinity) ? b : a));
  // Sizes known for free (accounts, tags) may already show a selective filter; probe
  // the others only if not, each bounded by the threshold.
  if (!((smallest().size ?? Infinity) < threshold)) {
    for (const t of drivers) {
      if (t.size !== undefined) continue;
      if (t.phrase && probeByNames(db, t, threshold, trace)) {
        if (t.size! < threshold) break;
        continue;
      }
      // A closure range counts cheaply; counting it further tells whether a walk may test it as a set.
      const limit = closure(t) ? SET_SLACK * threshold + 1 : threshold;
      t.size =
        db.value<number>(`probe ${t.kind}`, `SELECT count(*) FROM (${t.driver!.sql} LIMIT ?)`, [...t.driver!.params, limit], trace) ?? 0;
      t.exact = t.size < limit;
      t.atLeast = !t.exact;
      if (t.size < threshold) break;
    }
  }
  for (const t of drivers) if (closure(t) && t.exact && t.size! <= SET_SLACK * threshold) t.walkAsSet = true;
  const best = smallest();
  // Filters that are each broad may still be rare together: assuming independence, the
  // expected matches are the total times each filter's share. Below the threshold, a
  // capped walk would most likely read its cap for nothing before falling back.
  // A term whose size is unknown or only a lower bound (a probe that hit the threshold)
  // counts as matching every row: the capped walk guards against that optimism.
  const share = (t: Term) => (t.atLeast ? 1 : (t.estimate ?? t.size ?? r.total) / Math.max(1, r.total));
  const expected = r.terms.reduce((e, t) => e * share(t), r.total);
  if (planner.force === "candidates" || best.size! < threshold || expected < threshold) {
    return { kind: "candidates", driver: best, threshold };
  }
  const cap = planner.walkCap ?? Math.ceil((WALK_CAP_SLACK * want * r.total) / threshold);
  if (cap >= r.total) return { kind: "walk", driver: best, threshold };
  return { kind: "walk-capped", driver: best, cap, threshold };
}

/**
 * A substring's size from the distinct names that match (name-counts.ts), reading at most
 * a quarter of the threshold of them: either that is all of them, and the size is exact,
 * or, as names are mostly borne by several customers each, they already add up to the
 * threshold. Only if they do not does the probe of customers decide (false).
 */
function probeByNames(db: Reader, t: Term, threshold: number, trace?: TracedStatement[]): boolean {
  const limit = Math.ceil(threshold / NAMES_PROBE_SHARE);
  const [found] = db.all<{ names: number; customers: number }>(
    "probe name (by names)",
    `SELECT count(*) AS names, coalesce(sum(n.customer_count), 0) AS customers
      FROM (SELECT rowid AS seq FROM customer_names_fts WHERE customer_names_fts MATCH ? LIMIT ?) f
      CROSS JOIN customer_names n ON n.seq = f.seq`,
    [t.phrase, limit],
    trace,
  );
  if (!found) return false;
  t.size = found.customers;
  t.exact = found.names < limit;
  t.atLeast = !t.exact;
  if (t.exact || found.customers >= threshold) return true;
  t.size = undefined;
  t.atLeast = false;
  return false;
}

export function count(db: Reader, r: Resolved, choice: Choice, trace?: TracedStatement[]): number {
  const { terms } = r;
  if (terms.length === 0) return r.total;
  if (terms.length === 1 && terms[0]!.exact && terms[0]!.size !== undefined) return terms[0]!.size;
  const byNames = countByNames(db, r, trace);
  if (byNames !== undefined) return byNames;
  const accounts = terms.find((t) => t.kind === "accounts");
  const tags = terms.find((t) => t.kind === "tags");
  if (terms.length === 2 && accounts && tags?.tagSeqs?.length === 1) {
    return (
      db.value<number>(
        "count (tag_accounts)",
        `SELECT coalesce(sum(customer_count), 0) FROM tag_accounts
      WHERE tag_seq = ? AND account_id IN (SELECT value FROM json_each(?))`,
        [tags.testParams[0], JSON.stringify(accounts.accountIds)],
        trace,
      ) ?? 0
    );
  }
  const drivers = terms.filter((t) => t.driver);
  const driver =
    choice.driver ?? (drivers.length ? drivers.reduce((a, b) => ((b.size ?? Infinity) < (a.size ?? Infinity) ? b : a)) : undefined);
  if (!driver) throw new Error("every filter has a driver"); // unreachable: resolve() gives each term one
  const others = terms.filter((t) => t !== driver);
  const params = [...driver.driver!.params, ...others.flatMap((t) => t.testParams)];
  // Tests that only probe indexes by seq count straight off the driver, without a table read.
  const sql = others.every((t) => t.seqOnly)
    ? `SELECT count(*) FROM (${driver.driver!.sql}) d${others.length ? ` WHERE ${others.map((t) => t.test("d")).join(" AND ")}` : ""}`
    : `SELECT count(*) FROM (${driver.driver!.sql}) d CROSS JOIN customers c ON c.seq = d.seq WHERE ${others.map((t) => t.test("c")).join(" AND ")}`;
  return db.value<number>("count", sql, params, trace) ?? 0;
}

/**
 * A substring filter's count, alone or with one tag or with accounts, summed over the
 * distinct names that contain it (name-counts.ts) rather than counted customer by
 * customer. Undefined for any other combination.
 */
function countByNames(db: Reader, r: Resolved, trace?: TracedStatement[]): number | undefined {
  const name = r.terms.find((t) => t.kind === "name");
  if (!name?.phrase) return undefined;
  const [other, ...more] = r.terms.filter((t) => t !== name);
  if (more.length > 0) return undefined;
  // The matching names drive (CROSS JOIN), in rowid order as FTS5 gives them, each one
  // primary-key probe of the per-tag or per-account counts. An IN list sorted the names
  // into a temporary index first: 3.6 against 2.7 ms for 'dental' and one tag at 1M.
  const names = "customer_names_fts f CROSS JOIN";
  let sql: string;
  let params: unknown[];
  if (!other) {
    sql = `SELECT coalesce(sum(n.customer_count), 0) FROM ${names} customer_names n ON n.seq = f.rowid
      WHERE customer_names_fts MATCH ?`;
    params = [name.phrase];
  } else if (other.kind === "tags" && other.tagSeqs?.length === 1) {
    sql = `SELECT coalesce(sum(t.customer_count), 0) FROM ${names} tag_names t ON t.name_seq = f.rowid AND t.tag_seq = ?
      WHERE customer_names_fts MATCH ?`;
    params = [other.tagSeqs[0], name.phrase];
  } else if (other.kind === "accounts") {
    // One range of the name's accounts, each tested against the list: 4.0 against 5.0 ms
    // for 'dental' in two accounts, and against 5.6 with the list as a second join.
    sql = `SELECT coalesce(sum(t.customer_count), 0) FROM ${names} account_names t ON t.name_seq = f.rowid
      WHERE customer_names_fts MATCH ? AND t.account_id IN (SELECT value FROM json_each(?))`;
    params = [name.phrase, JSON.stringify(other.accountIds)];
  } else return undefined;
  return db.value<number>("count (by names)", sql, params, trace) ?? 0;
}
