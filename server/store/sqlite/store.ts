// CustomerStore on SQLite (better-sqlite3): the embedded default, so `npm start` works
// with nothing installed. Schema and the reasons for its indexes: schema.ts.
//
// A page is found in two steps: a query that returns only the page's seqs (the plan is
// chosen per query by how many rows the filters match, see PlanKind and choose()), then
// one lookup of those 25 rows with their JSON documents, tags and breadcrumbs. Filters,
// offsets and sorting therefore only ever touch indexes and the narrow customers table.
// `npm run explain` prints every statement a query runs, with its plan and its time.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import Database from "better-sqlite3";
import type { AccountInfo, CustomerInfo, Tag } from "../../../generated/schema.js";
import { foldName, ftsPhrase, gramToken, nameGrams } from "./names.js";
import { bit, json, Reader, ROWS_BY_SEQ, toUser, type CustomerRow, type UserRow } from "./rows.js";
import { BULK_INDEXES, BULK_TRIGGERS, DERIVED_TRIGGERS, FTS_TRIGGERS, MIGRATIONS, TAG_ACCOUNTS_FILL, TAG_PAIRS_FILL } from "./schema.js";
import type { CustomerQuery, NewCustomer, Page, PageRequest, SortField, Store, StoredUser } from "../contract.js";
import { isDescending } from "../sort-order.js";

type Db = Database.Database;

/**
 * Each sortable field: its column, and the index that holds it in order with `id`, the
 * tie-breaker (walk plans name it with INDEXED BY). These are the only texts ever
 * spliced into SQL besides fixed fragments.
 */
const SORTS = {
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

const STREAM_BATCH = 500;

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
/** Up to this many accounts, a name-sorted walk merges per-account index walks. */
const MERGE_MAX_ACCOUNTS = 16;
const PAGED = " LIMIT ? OFFSET ?";

interface Sql {
  sql: string;
  params: unknown[];
}

/** One filter, in the two forms the plans need. */
interface Term {
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
}

interface Resolved {
  q: CustomerQuery;
  terms: Term[];
  /** Customers in the database. */
  total: number;
}

interface Choice {
  kind: PlanKind;
  /** The candidates' source (and a capped walk's fallback). */
  driver?: Term;
  cap?: number;
  /** The probe limit: sizes below it are exact. */
  threshold: number;
}

/** One executed statement, for explain(). */
export interface TracedStatement {
  role: string;
  sql: string;
  params: unknown[];
}

export interface Explained {
  plan: PlanKind | "empty";
  /** Plan of the page after a capped walk fell short, if it did. */
  fellBack: boolean;
  statements: (TracedStatement & { queryPlan: string[] })[];
}

export class SqliteCustomerStore implements Store {
  private readonly reader: Reader;
  private readonly inMemory: boolean;
  /** Secondary indexes and triggers are dropped until the bulk load of an empty database ends. */
  private bulkLoading = false;

  private constructor(
    private readonly db: Db,
    private readonly path: string,
    private readonly planner: PlannerOptions,
  ) {
    this.reader = new Reader(db);
    this.inMemory = path === ":memory:";
  }

  static open(path: string, planner: PlannerOptions = {}): SqliteCustomerStore {
    const inMemory = path === ":memory:";
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    // WAL lets the stream's reader connections run beside the writer.
    if (!inMemory) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -131072"); // 128 MiB: keeps the hot indexes of a million rows in memory
    // Reads the rest straight from the OS page cache, without a read() and a copy per page
    // (this build caps the map at 2 GiB; a database beyond it reads the tail as before).
    if (!inMemory) db.pragma("mmap_size = 2147418112");
    migrate(db);
    const store = new SqliteCustomerStore(db, path, planner);
    // A bulk load that died before its end left indexes and triggers out: put them back.
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_insert'`).get()) {
      store.bulkLoading = true;
      store.endBulkLoad();
    }
    return store;
  }

  async listPage(q: CustomerQuery, page: PageRequest): Promise<Page> {
    return this.page(q, page);
  }

  private page(q: CustomerQuery, page: PageRequest, trace?: TracedStatement[], explained?: Partial<Explained>): Page {
    if (!Number.isSafeInteger(page.page) || page.page < 0) throw new RangeError("page must be an integer >= 0");
    if (!Number.isSafeInteger(page.countPerPage) || page.countPerPage < 1) {
      throw new RangeError("countPerPage must be an integer >= 1");
    }
    this.endBulkLoad();
    // One read transaction, so the probes, the page and the count describe one snapshot.
    return this.db.transaction((): Page => {
      const r = this.resolve(q, trace);
      if (!r) {
        if (explained) explained.plan = "empty";
        return page.count ? { items: [], totalCount: 0, hasMorePages: false } : { items: [], hasMorePages: false };
      }
      const offset = page.page * page.countPerPage;
      const need = page.countPerPage + 1; // one more than a page says whether another exists
      const choice = this.choose(r, offset + need, trace);
      if (explained) {
        explained.plan = choice.kind;
        explained.fellBack = false;
      }
      let seqs: number[] | undefined;
      if (choice.kind === "walk-capped") {
        const walk = walkQuery(r, choice.cap);
        seqs = this.seqs("page (capped walk)", walk.sql + PAGED, [...walk.params, need, offset], trace);
        // Short of a page: the cap cut the walk, so the rest of the matches are unknown.
        if (seqs.length < need) {
          seqs = undefined;
          if (explained) explained.fellBack = true;
        }
      }
      if (!seqs) {
        const built = choice.kind === "walk" ? walkQuery(r) : candidatesQuery(r, choice.driver!);
        seqs = this.seqs(
          `page (${choice.kind === "walk" ? "walk" : "candidates"})`,
          built.sql + PAGED,
          [...built.params, need, offset],
          trace,
        );
      }
      const hasMorePages = seqs.length > page.countPerPage;
      const items = this.reader.toCustomers(this.rowsBySeq(hasMorePages ? seqs.slice(0, page.countPerPage) : seqs, trace));
      if (!page.count) return { items, hasMorePages };
      return { items, totalCount: this.count(r, choice, trace), hasMorePages };
    })();
  }

  async *stream(q: CustomerQuery): AsyncGenerator<CustomerInfo> {
    this.endBulkLoad();
    const built = this.db.transaction(() => {
      const r = this.resolve(q);
      if (!r) return undefined;
      // A stream reads every match: the page is the whole table.
      const choice = this.choose(r, r.total);
      return choice.kind === "candidates" ? candidatesQuery(r, choice.driver!) : walkQuery(r);
    })();
    if (!built) return;
    if (this.inMemory) {
      // No second connection can see an in-memory database; it is small by nature, so
      // OFFSET batches on the main connection are good enough.
      for (let offset = 0; ; offset += STREAM_BATCH) {
        const seqs = this.seqs("stream", built.sql + PAGED, [...built.params, STREAM_BATCH, offset]);
        for (const c of this.reader.toCustomers(this.rowsBySeq(seqs))) yield c;
        if (seqs.length < STREAM_BATCH) return;
        await nextTurn();
      }
    }
    // A private read-only connection: an open iterator blocks writes and transactions on
    // its connection, and this one may stay open for as long as the client reads. It
    // also gives the whole stream one consistent snapshot.
    const conn = new Database(this.path, { readonly: true, fileMustExist: true });
    try {
      const reader = new Reader(conn);
      let batch: number[] = [];
      const flush = () => reader.toCustomers(batch.length ? reader.rows(ROWS_BY_SEQ, [JSON.stringify(batch)]) : []);
      for (const row of reader.stmt(built.sql).raw(false).iterate(built.params) as IterableIterator<{ seq: number }>) {
        batch.push(row.seq);
        if (batch.length < STREAM_BATCH) continue;
        for (const c of flush()) yield c;
        batch = [];
        await nextTurn(); // let other requests run between batches
      }
      for (const c of flush()) yield c;
    } finally {
      conn.close();
    }
  }

  /**
   * Runs a page query and returns every statement it ran (size probes, the page, the
   * rows, the count) with SQLite's plan for each (SQLite-only diagnostics: tests and
   * scripts/bench/explain.ts). What it shows is what listPage runs.
   */
  explain(q: CustomerQuery, page: PageRequest): Explained {
    const trace: TracedStatement[] = [];
    const explained: Partial<Explained> = { fellBack: false };
    this.page(q, page, trace, explained);
    return {
      plan: explained.plan ?? "empty",
      fellBack: explained.fellBack ?? false,
      statements: trace.map((s) => ({
        ...s,
        queryPlan: (this.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(s.params) as { detail: string }[]).map((p) => p.detail),
      })),
    };
  }

  /** The query plans of a first page of 25 with its count, flattened (tests use it). */
  explainPage(q: CustomerQuery): string[] {
    return this.explain(q, { page: 0, countPerPage: 25, count: true }).statements.flatMap((s) => s.queryPlan);
  }

  /** Turns the query into terms with what is known of their sizes; undefined when it provably matches nothing. */
  private resolve(q: CustomerQuery, trace?: TracedStatement[]): Resolved | undefined {
    const terms: Term[] = [];
    const json = (ids: string[]) => JSON.stringify(ids);
    const total = this.value<number>("customers", `SELECT coalesce(sum(customer_count), 0) FROM accounts`, [], trace) ?? 0;

    let accounts: string[] | undefined;
    switch (q.scope.kind) {
      case "all":
        break;
      case "accounts":
        accounts = [...new Set(q.scope.accountIds)];
        break;
      case "subtree": {
        const root = this.value<number>("resolve subtree", `SELECT seq FROM customers WHERE id = ?`, [q.scope.customerId], trace);
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
    if (nonEmpty(q.accountIds)) {
      const wanted = new Set(q.accountIds);
      accounts = accounts ? accounts.filter((a) => wanted.has(a)) : [...wanted];
    }
    if (accounts) {
      if (accounts.length === 0) return undefined;
      const size =
        this.value<number>(
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
      const parents = this.column<number>(
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
      const wanted = [...new Set(q.tagIds)];
      const tags = this.all<{ seq: number; n: number }>(
        "tag sizes",
        `SELECT seq, customer_count AS n FROM tags
        WHERE id IN (SELECT value FROM json_each(?)) ORDER BY customer_count, seq`,
        [json(wanted)],
        trace,
      );
      if (tags.length < wanted.length) return undefined; // an unknown tag: nobody carries all of them
      const [rarest, ...rest] = tags.map((t) => t.seq) as [number, ...number[]];
      // Two tags: tag_pairs knows exactly how many customers carry both.
      const pair =
        rest.length === 1
          ? (this.value<number>(
              "tag pair size",
              `SELECT coalesce(max(customer_count), 0) FROM tag_pairs WHERE low_seq = ? AND high_seq = ?`,
              [Math.min(rarest, rest[0]!), Math.max(rarest, rest[0]!)],
              trace,
            ) ?? 0)
          : undefined;
      if (pair === 0) return undefined;
      const has = (seq: string) => `EXISTS (SELECT 1 FROM customer_tags x WHERE x.tag_seq = ? AND x.customer_seq = ${seq})`;
      terms.push({
        kind: "tags",
        size: pair ?? tags[0]!.n,
        exact: tags.length === 1 || pair !== undefined,
        seqOnly: true,
        tagSeqs: [rarest, ...rest],
        ...(pair === undefined ? { estimate: tags.reduce((e, t) => e * (t.n / Math.max(1, total)), total) } : {}),
        // The rarest tag's range, each other tag a primary-key probe.
        driver: {
          sql: `SELECT t.customer_seq AS seq FROM customer_tags t WHERE t.tag_seq = ?${rest.map(() => ` AND ${has("t.customer_seq")}`).join("")}`,
          params: [rarest, ...rest],
        },
        test: (c) => [rarest, ...rest].map(() => has(`${c}.seq`)).join(" AND "),
        testParams: [rarest, ...rest],
      });
    }

    if (q.nameFilter !== undefined && q.nameFilter !== "") {
      const needle = foldName(q.nameFilter);
      const phrase = ftsPhrase(needle);
      terms.push({
        kind: "name",
        exact: false,
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
  private choose(r: Resolved, want: number, trace?: TracedStatement[]): Choice {
    const cost = this.planner.candidateCost ?? DEFAULT_CANDIDATE_COST;
    // Walking costs want × total / size rows, collecting costs cost × size: equal at this size.
    const threshold = Math.max(1, Math.ceil(Math.sqrt((want * r.total) / cost)));
    const drivers = r.terms.filter((t) => t.driver);
    if (this.planner.force === "walk" || drivers.length === 0) return { kind: "walk", threshold };
    // Accounts alone, sorted by name: (account_id, name_fold, id) answers the filter and the
    // order at once, so the walk reads just the rows it returns (and skips), at any size.
    const [only] = r.terms;
    if (
      r.terms.length === 1 &&
      only!.kind === "accounts" &&
      r.q.sortField === "name" &&
      only!.accountIds!.length <= MERGE_MAX_ACCOUNTS &&
      this.planner.force !== "candidates"
    ) {
      return { kind: "walk", driver: only, threshold };
    }
    const smallest = () => drivers.reduce((a, b) => ((b.size ?? Infinity) < (a.size ?? Infinity) ? b : a));
    // Sizes known for free (accounts, tags) may already show a selective filter; probe
    // the others only if not, each bounded by the threshold.
    if (!((smallest().size ?? Infinity) < threshold)) {
      for (const t of drivers) {
        if (t.size !== undefined) continue;
        t.size =
          this.value<number>(
            `probe ${t.kind}`,
            `SELECT count(*) FROM (${t.driver!.sql} LIMIT ?)`,
            [...t.driver!.params, threshold],
            trace,
          ) ?? 0;
        t.exact = t.size < threshold;
        t.atLeast = !t.exact;
        if (t.exact) break;
      }
    }
    const best = smallest();
    // Filters that are each broad may still be rare together: assuming independence, the
    // expected matches are the total times each filter's share. Below the threshold, a
    // capped walk would most likely read its cap for nothing before falling back.
    // A term whose size is unknown or only a lower bound (a probe that hit the threshold)
    // counts as matching every row: the capped walk guards against that optimism.
    const share = (t: Term) => (t.atLeast ? 1 : (t.estimate ?? t.size ?? r.total) / Math.max(1, r.total));
    const expected = r.terms.reduce((e, t) => e * share(t), r.total);
    if (this.planner.force === "candidates" || best.size! < threshold || expected < threshold) {
      return { kind: "candidates", driver: best, threshold };
    }
    const cap = this.planner.walkCap ?? Math.ceil((WALK_CAP_SLACK * want * r.total) / threshold);
    if (cap >= r.total) return { kind: "walk", driver: best, threshold };
    return { kind: "walk-capped", driver: best, cap, threshold };
  }

  private count(r: Resolved, choice: Choice, trace?: TracedStatement[]): number {
    const { terms } = r;
    if (terms.length === 0) return r.total;
    if (terms.length === 1 && terms[0]!.exact && terms[0]!.size !== undefined) return terms[0]!.size;
    const accounts = terms.find((t) => t.kind === "accounts");
    const tags = terms.find((t) => t.kind === "tags");
    if (terms.length === 2 && accounts && tags?.tagSeqs?.length === 1) {
      return (
        this.value<number>(
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
    return this.value<number>("count", sql, params, trace) ?? 0;
  }

  private seqs(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): number[] {
    trace?.push({ role, sql, params });
    return (this.reader.stmt(sql).all(params) as { seq: number }[]).map((r) => r.seq);
  }

  private rowsBySeq(seqs: number[], trace?: TracedStatement[]): CustomerRow[] {
    if (seqs.length === 0) return [];
    const params = [JSON.stringify(seqs)];
    trace?.push({ role: "rows", sql: ROWS_BY_SEQ, params });
    return this.reader.rows(ROWS_BY_SEQ, params);
  }

  private value<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T | undefined {
    trace?.push({ role, sql, params });
    const row = this.reader.stmt(sql).raw(true).get(params) as unknown[] | undefined;
    return row?.[0] as T | undefined;
  }

  private column<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T[] {
    trace?.push({ role, sql, params });
    return (this.reader.stmt(sql).raw(true).all(params) as unknown[][]).map((r) => r[0] as T);
  }

  private all<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T[] {
    trace?.push({ role, sql, params });
    return this.reader.stmt(sql).raw(false).all(params) as T[];
  }

  async isEmpty(): Promise<boolean> {
    const r = this.reader
      .stmt(`SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM customers)
      AND NOT EXISTS (SELECT 1 FROM users) AS empty`)
      .raw(false)
      .get() as { empty: number };
    return r.empty === 1;
  }

  async findUser(username: string): Promise<StoredUser | undefined> {
    const row = this.reader.stmt(`SELECT * FROM users WHERE username = ?`).raw(false).get(username) as UserRow | undefined;
    return row && toUser(row);
  }

  async findApiKey(keyHash: string): Promise<StoredUser | undefined> {
    const row = this.reader
      .stmt(`SELECT u.* FROM api_keys k JOIN users u ON u.username = k.username WHERE k.key_hash = ?`)
      .raw(false)
      .get(keyHash) as UserRow | undefined;
    return row && toUser(row);
  }

  async insertAccounts(accounts: AccountInfo[]): Promise<void> {
    const insert = this.reader.stmt(`INSERT INTO accounts(id, name, parent_account_id, twilio_account_sid,
      ancestor_ids, max_phone_numbers, is_byoa, trust_hub_profile_sid, logo_id, logo_uri, billing_settings,
      date_created, date_last_modified, created_by, last_modified_by)
      VALUES (@id, @name, @parentAccountId, @twilioAccountSid,
      @ancestorIds, @maxPhoneNumbers, @isBYOA, @trustHubProfileSid, @logoId, @logoUri, @billingSettings,
      @dateCreated, @dateLastModified, @createdBy, @lastModifiedBy)`);
    this.db.transaction(() => {
      for (const a of accounts) {
        insert.run({
          id: a.id,
          name: a.name,
          parentAccountId: a.parentAccountId ?? null,
          twilioAccountSid: a.twilioAccountSid ?? null,
          ancestorIds: json(a.ancestorIds),
          maxPhoneNumbers: a.maxPhoneNumbers ?? null,
          isBYOA: bit(a.isBYOA),
          trustHubProfileSid: a.trustHubProfileSid ?? null,
          logoId: a.logoId ?? null,
          logoUri: a.logoUri ?? null,
          billingSettings: json(a.billingSettings),
          dateCreated: a.dateCreated ?? null,
          dateLastModified: a.dateLastModified ?? null,
          createdBy: a.createdBy ?? null,
          lastModifiedBy: a.lastModifiedBy ?? null,
        });
      }
    })();
  }

  async insertTags(tags: Tag[]): Promise<void> {
    const insert = this.reader.stmt(`INSERT INTO tags(id, name, color) VALUES (?, ?, ?)`);
    this.db.transaction(() => {
      for (const t of tags) {
        if (!t.id) throw new Error("a tag needs an id");
        insert.run(t.id, t.name ?? null, t.color ?? null);
      }
    })();
  }

  async insertCustomers(batch: NewCustomer[]): Promise<void> {
    if (!this.bulkLoading && this.value<number>("empty", `SELECT NOT EXISTS (SELECT 1 FROM customers)`, []) === 1) {
      this.beginBulkLoad();
    }
    const insert = this.reader.stmt(`INSERT INTO customers(id, account_id, parent_id, name, name_fold, reference_id,
      is_staging, override_billing_settings, override_app_settings, date_created, date_last_modified, created_by,
      last_modified_by, account_name)
      VALUES (@id, @accountId, @parentId, @name, @nameFold, @referenceId, @isStaging, @overrideBilling, @overrideApp,
      @dateCreated, @dateLastModified, @createdBy, @lastModifiedBy, (SELECT name FROM accounts WHERE id = @accountId))`);
    const documents = this.reader.stmt(`INSERT INTO customer_documents(seq, data, schedule, integration_data,
      billing_settings, app_settings) VALUES (?, ?, ?, ?, ?, ?)`);
    const selfRow = this.reader.stmt(`INSERT INTO customer_ancestors(ancestor_seq, customer_seq, depth) VALUES (?, ?, 0)`);
    // The parent's closure rows, one level further away: parents are inserted first.
    const ancestorRows = this.reader.stmt(`INSERT INTO customer_ancestors(ancestor_seq, customer_seq, depth)
      SELECT ancestor_seq, ?, depth + 1 FROM customer_ancestors
      WHERE customer_seq = (SELECT seq FROM customers WHERE id = ?)`);
    const grams = this.reader.stmt(`INSERT INTO customers_grams(rowid, grams) VALUES (?, ?)`);
    const tagRow = this.reader.stmt(`INSERT INTO customer_tags(tag_seq, customer_seq) VALUES (?, ?)`);
    const tagSeqs = new Map(
      (this.reader.stmt(`SELECT id, seq FROM tags`).raw(false).all() as { id: string; seq: number }[]).map((t) => [t.id, t.seq]),
    );
    this.db.transaction(() => {
      for (const c of batch) {
        const seq = Number(
          insert.run({
            id: c.id,
            accountId: c.accountId,
            parentId: c.parentCustomerId ?? null,
            name: c.name,
            nameFold: foldName(c.name),
            referenceId: c.referenceId ?? null,
            isStaging: bit(c.isStaging),
            overrideBilling: bit(c.overrideBillingSettings),
            overrideApp: bit(c.overrideAppSettings),
            dateCreated: c.dateCreated ?? null,
            dateLastModified: c.dateLastModified ?? null,
            createdBy: c.createdBy ?? null,
            lastModifiedBy: c.lastModifiedBy ?? null,
          }).lastInsertRowid,
        );
        documents.run(seq, json(c.data), json(c.schedule), json(c.integrationData), json(c.billingSettings), json(c.appSettings));
        grams.run(seq, nameGrams(foldName(c.name)));
        selfRow.run(seq, seq);
        if (c.parentCustomerId != null) ancestorRows.run(seq, c.parentCustomerId);
        for (const tagId of new Set(c.tagIds)) {
          const tagSeq = tagSeqs.get(tagId);
          if (tagSeq === undefined) throw new Error(`customer ${c.id}: unknown tag ${tagId}`);
          tagRow.run(tagSeq, seq);
        }
      }
    })();
  }

  /**
   * The first customers into an empty database start a bulk load: without the secondary
   * indexes, the FTS and count triggers, and the journal, rows go in at a fraction of the
   * cost, and endBulkLoad builds each index in one sorted pass. Anything that reads,
   * optimize() and close() end it; so does the next open() if the process died.
   */
  private beginBulkLoad(): void {
    if (!this.inMemory) {
      // Only an empty database: a crash now loses nothing that a reseed would not rebuild.
      this.db.pragma("journal_mode = OFF");
      this.db.pragma("synchronous = OFF");
    }
    this.db.transaction(() => {
      for (const t of BULK_TRIGGERS) this.db.exec(`DROP TRIGGER IF EXISTS ${t}`);
      for (const i of BULK_INDEXES) this.db.exec(`DROP INDEX IF EXISTS ${i.name}`);
    })();
    this.bulkLoading = true;
  }

  private endBulkLoad(): void {
    if (!this.bulkLoading) return;
    this.db.transaction(() => {
      for (const i of BULK_INDEXES) this.db.exec(i.create);
      this.db.exec(`INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')`);
      this.db.exec(`UPDATE accounts SET customer_count = (SELECT count(*) FROM customers c WHERE c.account_id = accounts.id)`);
      this.db.exec(`UPDATE tags SET customer_count = (SELECT count(*) FROM customer_tags ct WHERE ct.tag_seq = tags.seq)`);
      this.db.exec(TAG_ACCOUNTS_FILL);
      this.db.exec(TAG_PAIRS_FILL);
      this.db.exec(DERIVED_TRIGGERS + FTS_TRIGGERS);
    })();
    if (!this.inMemory) {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
    }
    this.bulkLoading = false;
  }

  async insertUsers(users: StoredUser[]): Promise<void> {
    const insert = this.reader.stmt(`INSERT INTO users VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const u of users) {
        insert.run(u.username, u.passwordHash, JSON.stringify(u.roles), JSON.stringify(u.accountIds), u.customerId ?? null);
      }
    })();
  }

  async insertApiKey(keyHash: string, username: string, label?: string): Promise<void> {
    this.reader
      .stmt(`INSERT INTO api_keys VALUES (?, (SELECT username FROM users WHERE username = ?), ?, ?)`)
      .run(keyHash, username, label ?? null, new Date().toISOString());
  }

  async optimize(): Promise<void> {
    this.endBulkLoad();
    // Merged FTS segments answer faster; bounded ANALYZE keeps this to seconds at 1M rows.
    this.db.exec(`INSERT INTO customers_fts(customers_fts) VALUES ('optimize')`);
    this.db.pragma("analysis_limit = 2000");
    this.db.exec("ANALYZE");
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.endBulkLoad();
      this.db.pragma("optimize");
      this.db.close();
    }
  }
}

function migrate(db: Db): void {
  // IMMEDIATE: two processes opening a fresh file at once must not both migrate.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`database schema version ${version} is newer than this code (${MIGRATIONS.length})`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    // Migration 2 adds customers_grams, whose tokens SQL cannot compute.
    if (version < 2) {
      const insert = db.prepare(`INSERT INTO customers_grams(rowid, grams) VALUES (?, ?)`);
      const chunk = db.prepare(`SELECT seq, name_fold FROM customers WHERE seq > ? ORDER BY seq LIMIT 10000`).raw(true);
      // In chunks: a connection cannot write while it iterates, and a million names at once would not be flat.
      for (let after = 0; ; ) {
        const rows = chunk.all(after) as [number, string][];
        if (rows.length === 0) break;
        for (const [seq, fold] of rows) insert.run(seq, nameGrams(fold));
        after = rows.at(-1)![0];
      }
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
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
function walkQuery(r: Resolved, cap?: number): Sql {
  const { q } = r;
  const select = "c.seq AS seq";
  const accounts = r.terms.find((t) => t.kind === "accounts");
  const perAccount =
    q.sortField === "name" && accounts && accounts.accountIds!.length <= MERGE_MAX_ACCOUNTS ? accounts.accountIds! : undefined;
  const tests = r.terms.filter((t) => !(perAccount && t === accounts));
  const testSql = tests.map((t) => t.test("c")).join(" AND ");
  const testParams = tests.flatMap((t) => t.testParams);
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
function candidatesQuery(r: Resolved, driver: Term): Sql {
  const others = r.terms.filter((t) => t !== driver);
  const select = "c.seq AS seq";
  const tests = others.map((t) => ` AND ${t.test("c")}`).join("");
  return {
    sql: `SELECT ${select} FROM (${driver.driver!.sql}) d CROSS JOIN customers c ON c.seq = d.seq${tests.replace(" AND", " WHERE")} ORDER BY ${orderBy(r.q)}`,
    params: [...driver.driver!.params, ...others.flatMap((t) => t.testParams)],
  };
}

const nonEmpty = (a: string[] | undefined): a is string[] => a !== undefined && a.length > 0;
