// CustomerStore on SQLite (better-sqlite3): the embedded default, so `npm start` works
// with nothing installed. Schema and the reasons for its indexes: sqlite-schema.ts.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import Database from "better-sqlite3";
import type { AccountInfo, CustomerBreadcrumb, CustomerInfo, Tag } from "../generated/schema.js";
import { MIGRATIONS } from "./sqlite-schema.js";
import type {
  CustomerQuery, CustomerStore, NewCustomer, Page, PageRequest, Role, SortField, StoredUser,
} from "./store.js";

type Db = Database.Database;
type Statement = Database.Statement<unknown[], unknown>;

/** The sort column of each sortable field: the only text ever spliced into SQL besides fixed fragments. */
const SORT_COLUMNS = {
  id: "c.id",
  name: "c.name_fold",
  accountId: "c.account_id",
  accountName: "a.name",
  parentCustomerId: "c.parent_id",
  referenceId: "c.reference_id",
  isStaging: "c.is_staging",
  overrideBillingSettings: "c.override_billing_settings",
  overrideAppSettings: "c.override_app_settings",
  dateCreated: "c.date_created",
  dateLastModified: "c.date_last_modified",
  createdBy: "c.created_by",
  lastModifiedBy: "c.last_modified_by",
} as const satisfies Record<SortField, string>;

export const SORT_FIELDS = Object.keys(SORT_COLUMNS) as SortField[];

/**
 * The case-folded name that sorting and the name filter compare. JavaScript folds all of
 * Unicode (SQLite only ASCII); NFC makes a decomposed "é" equal a composed one.
 */
export function foldName(s: string): string {
  return s.normalize("NFC").toLowerCase();
}

const STREAM_BATCH = 500;
const STATEMENT_CACHE_SIZE = 200;

const CUSTOMER_COLUMNS = `c.seq, c.id, c.account_id, c.parent_id, c.name, c.reference_id, c.is_staging,
  c.override_billing_settings, c.override_app_settings, c.date_created, c.date_last_modified,
  c.created_by, c.last_modified_by, c.data, c.schedule, c.integration_data, c.billing_settings,
  c.app_settings, a.name AS account_name`;

interface CustomerRow {
  seq: number; id: string; account_id: string; parent_id: string | null; name: string;
  reference_id: string | null; is_staging: number | null; override_billing_settings: number | null;
  override_app_settings: number | null; date_created: string | null; date_last_modified: string | null;
  created_by: string | null; last_modified_by: string | null; data: string | null; schedule: string | null;
  integration_data: string | null; billing_settings: string | null; app_settings: string | null;
  account_name: string | null;
}

interface UserRow {
  username: string; password_hash: string; roles: string; account_ids: string; customer_id: string | null;
}

/** A query's SQL; buildQuery returns `undefined` instead when it provably matches nothing. */
interface BuiltQuery {
  /** Ordered; append " LIMIT ? OFFSET ?" for a page. */
  select: string;
  selectParams: unknown[];
  count: string;
  countParams: unknown[];
}

/** Up to this many accounts, a name-sorted query merges per-account index walks. */
const MERGE_MAX_ACCOUNTS = 16;
const PAGED = " LIMIT ? OFFSET ?";

export class SqliteCustomerStore implements CustomerStore {
  private readonly reader: Reader;

  private constructor(private readonly db: Db, private readonly path: string) {
    this.reader = new Reader(db);
  }

  static open(path: string): SqliteCustomerStore {
    const inMemory = path === ":memory:";
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    // WAL lets the stream's reader connections run beside the writer.
    if (!inMemory) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -131072"); // 128 MiB: keeps the hot indexes of a million rows in memory
    migrate(db);
    return new SqliteCustomerStore(db, path);
  }

  async listPage(q: CustomerQuery, page: PageRequest): Promise<Page> {
    if (!Number.isSafeInteger(page.page) || page.page < 0) throw new RangeError("page must be an integer >= 0");
    if (!Number.isSafeInteger(page.countPerPage) || page.countPerPage < 1) {
      throw new RangeError("countPerPage must be an integer >= 1");
    }
    const built = buildQuery(this.db, q);
    if (!built) return page.count ? { items: [], totalCount: 0, hasMorePages: false } : { items: [], hasMorePages: false };
    // One read transaction, so the count and the page describe the same snapshot.
    return this.db.transaction((): Page => {
      const rows = this.reader.rows(built.select + PAGED, [
        ...built.selectParams, page.countPerPage + 1, page.page * page.countPerPage,
      ]);
      const hasMorePages = rows.length > page.countPerPage;
      const items = this.reader.toCustomers(hasMorePages ? rows.slice(0, page.countPerPage) : rows);
      if (!page.count) return { items, hasMorePages };
      const { n } = this.reader.stmt(built.count).get(built.countParams) as { n: number };
      return { items, totalCount: n, hasMorePages };
    })();
  }

  async *stream(q: CustomerQuery): AsyncGenerator<CustomerInfo> {
    const built = buildQuery(this.db, q);
    if (!built) return;
    if (this.path === ":memory:") {
      // No second connection can see an in-memory database; it is small by nature, so
      // OFFSET batches on the main connection are good enough.
      for (let offset = 0; ; offset += STREAM_BATCH) {
        const rows = this.reader.rows(built.select + PAGED, [...built.selectParams, STREAM_BATCH, offset]);
        for (const c of this.reader.toCustomers(rows)) yield c;
        if (rows.length < STREAM_BATCH) return;
        await nextTurn();
      }
    }
    // A private read-only connection: an open iterator blocks writes and transactions on
    // its connection, and this one may stay open for as long as the client reads. It
    // also gives the whole stream one consistent snapshot.
    const conn = new Database(this.path, { readonly: true, fileMustExist: true });
    try {
      const reader = new Reader(conn);
      let batch: CustomerRow[] = [];
      for (const row of reader.stmt(built.select).iterate(built.selectParams) as IterableIterator<CustomerRow>) {
        batch.push(row);
        if (batch.length < STREAM_BATCH) continue;
        for (const c of reader.toCustomers(batch)) yield c;
        batch = [];
        await nextTurn(); // let other requests run between batches
      }
      for (const c of reader.toCustomers(batch)) yield c;
    } finally {
      conn.close();
    }
  }

  /** The query plan of a page query (SQLite-only diagnostics; tests and benchmarks use it). */
  explainPage(q: CustomerQuery): string[] {
    const built = buildQuery(this.db, q);
    if (!built) return [];
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${built.select}${PAGED}`).all([...built.selectParams, 25, 0]) as { detail: string }[])
      .map((r) => r.detail);
  }

  async isEmpty(): Promise<boolean> {
    const r = this.reader.stmt(`SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM customers)
      AND NOT EXISTS (SELECT 1 FROM users) AS empty`).get() as { empty: number };
    return r.empty === 1;
  }

  async findUser(username: string): Promise<StoredUser | undefined> {
    const row = this.reader.stmt(`SELECT * FROM users WHERE username = ?`).get(username) as UserRow | undefined;
    return row && toUser(row);
  }

  async findApiKey(keyHash: string): Promise<StoredUser | undefined> {
    const row = this.reader.stmt(
      `SELECT u.* FROM api_keys k JOIN users u ON u.username = k.username WHERE k.key_hash = ?`,
    ).get(keyHash) as UserRow | undefined;
    return row && toUser(row);
  }

  async insertAccounts(accounts: AccountInfo[]): Promise<void> {
    const insert = this.reader.stmt(`INSERT INTO accounts VALUES (@id, @name, @parentAccountId, @twilioAccountSid,
      @ancestorIds, @maxPhoneNumbers, @isBYOA, @trustHubProfileSid, @logoId, @logoUri, @billingSettings,
      @dateCreated, @dateLastModified, @createdBy, @lastModifiedBy)`);
    this.db.transaction(() => {
      for (const a of accounts) {
        insert.run({
          id: a.id, name: a.name, parentAccountId: a.parentAccountId ?? null,
          twilioAccountSid: a.twilioAccountSid ?? null, ancestorIds: json(a.ancestorIds),
          maxPhoneNumbers: a.maxPhoneNumbers ?? null, isBYOA: bit(a.isBYOA),
          trustHubProfileSid: a.trustHubProfileSid ?? null, logoId: a.logoId ?? null, logoUri: a.logoUri ?? null,
          billingSettings: json(a.billingSettings), dateCreated: a.dateCreated ?? null,
          dateLastModified: a.dateLastModified ?? null, createdBy: a.createdBy ?? null,
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
    const insert = this.reader.stmt(`INSERT INTO customers(id, account_id, parent_id, name, name_fold, reference_id,
      is_staging, override_billing_settings, override_app_settings, date_created, date_last_modified, created_by,
      last_modified_by, data, schedule, integration_data, billing_settings, app_settings)
      VALUES (@id, @accountId, @parentId, @name, @nameFold, @referenceId, @isStaging, @overrideBilling, @overrideApp,
      @dateCreated, @dateLastModified, @createdBy, @lastModifiedBy, @data, @schedule, @integrationData,
      @billingSettings, @appSettings)`);
    const selfRow = this.reader.stmt(`INSERT INTO customer_ancestors(ancestor_seq, customer_seq, depth) VALUES (?, ?, 0)`);
    // The parent's closure rows, one level further away: parents are inserted first.
    const ancestorRows = this.reader.stmt(`INSERT INTO customer_ancestors(ancestor_seq, customer_seq, depth)
      SELECT ancestor_seq, ?, depth + 1 FROM customer_ancestors
      WHERE customer_seq = (SELECT seq FROM customers WHERE id = ?)`);
    const tagRow = this.reader.stmt(`INSERT INTO customer_tags(tag_seq, customer_seq) VALUES (?, ?)`);
    const tagSeqs = new Map((this.reader.stmt(`SELECT id, seq FROM tags`).all() as { id: string; seq: number }[])
      .map((t) => [t.id, t.seq]));
    this.db.transaction(() => {
      for (const c of batch) {
        const seq = Number(insert.run({
          id: c.id, accountId: c.accountId, parentId: c.parentCustomerId ?? null, name: c.name,
          nameFold: foldName(c.name), referenceId: c.referenceId ?? null, isStaging: bit(c.isStaging),
          overrideBilling: bit(c.overrideBillingSettings), overrideApp: bit(c.overrideAppSettings),
          dateCreated: c.dateCreated ?? null, dateLastModified: c.dateLastModified ?? null,
          createdBy: c.createdBy ?? null, lastModifiedBy: c.lastModifiedBy ?? null, data: json(c.data),
          schedule: json(c.schedule), integrationData: json(c.integrationData),
          billingSettings: json(c.billingSettings), appSettings: json(c.appSettings),
        }).lastInsertRowid);
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

  async insertUsers(users: StoredUser[]): Promise<void> {
    const insert = this.reader.stmt(`INSERT INTO users VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const u of users) {
        insert.run(u.username, u.passwordHash, JSON.stringify(u.roles), JSON.stringify(u.accountIds), u.customerId ?? null);
      }
    })();
  }

  async insertApiKey(keyHash: string, username: string, label?: string): Promise<void> {
    this.reader.stmt(`INSERT INTO api_keys VALUES (?, (SELECT username FROM users WHERE username = ?), ?, ?)`)
      .run(keyHash, username, label ?? null, new Date().toISOString());
  }

  async optimize(): Promise<void> {
    // Merged FTS segments answer faster; bounded ANALYZE keeps this to seconds at 1M rows.
    this.db.exec(`INSERT INTO customers_fts(customers_fts) VALUES ('optimize')`);
    this.db.pragma("analysis_limit = 2000");
    this.db.exec("ANALYZE");
  }

  async close(): Promise<void> {
    if (this.db.open) {
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
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Cached prepared statements and row mapping for one connection. */
class Reader {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (s) {
      this.cache.delete(sql); // re-insert: the Map's order is the LRU order
    } else {
      s = this.db.prepare(sql);
      if (this.cache.size >= STATEMENT_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(sql, s);
    return s;
  }

  rows(sql: string, params: unknown[]): CustomerRow[] {
    return this.stmt(sql).all(params) as CustomerRow[];
  }

  /** Adds tags and breadcrumbs with one query each for the whole batch. */
  toCustomers(rows: CustomerRow[]): CustomerInfo[] {
    if (rows.length === 0) return [];
    const seqs = JSON.stringify(rows.map((r) => r.seq));
    const tags = new Map<number, Tag[]>();
    // CROSS JOIN pins the join order: drive from the batch, never from the big tables.
    for (const t of this.stmt(`SELECT ct.customer_seq AS seq, t.id, t.name, t.color
        FROM json_each(?) j CROSS JOIN customer_tags ct CROSS JOIN tags t
        WHERE ct.customer_seq = j.value AND t.seq = ct.tag_seq
        ORDER BY ct.customer_seq, t.name, t.id`).all(seqs) as ({ seq: number } & Record<"id" | "name" | "color", string | null>)[]) {
      push(tags, t.seq, omitNulls({ id: t.id, name: t.name, color: t.color }) as Tag);
    }
    const crumbs = new Map<number, CustomerBreadcrumb[]>();
    for (const b of this.stmt(`SELECT ca.customer_seq AS seq, p.id, p.name
        FROM json_each(?) j CROSS JOIN customer_ancestors ca CROSS JOIN customers p
        WHERE ca.customer_seq = j.value AND ca.depth >= 1 AND p.seq = ca.ancestor_seq
        ORDER BY ca.customer_seq, ca.depth DESC`).all(seqs) as { seq: number; id: string; name: string }[]) {
      push(crumbs, b.seq, { id: b.id, name: b.name });
    }
    return rows.map((r) => toCustomer(r, tags.get(r.seq) ?? [], crumbs.get(r.seq) ?? []));
  }
}

/**
 * Every filter is a subquery or comparison that an index (or the FTS index) answers.
 * Lists are bound as one JSON array and unpacked with json_each, so the SQL text (and
 * its cached statement) does not depend on how many ids a caller sends.
 */
function buildQuery(db: Db, q: CustomerQuery): BuiltQuery | undefined {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...p: unknown[]) => { where.push(sql); params.push(...p); };

  // The account restriction (scope ∩ filter) is kept apart: how it is written decides the plan.
  let accounts: string[] | undefined;
  switch (q.scope.kind) {
    case "all":
      break;
    case "accounts":
      accounts = [...new Set(q.scope.accountIds)];
      break;
    case "subtree":
      add(`c.seq IN (SELECT customer_seq FROM customer_ancestors
        WHERE ancestor_seq = (SELECT seq FROM customers WHERE id = ?))`, q.scope.customerId);
      break;
    default:
      throw new Error(`unknown scope ${JSON.stringify(q.scope satisfies never)}`);
  }
  if (nonEmpty(q.accountIds)) {
    const wanted = new Set(q.accountIds);
    accounts = accounts ? accounts.filter((a) => wanted.has(a)) : [...wanted];
  }
  if (accounts?.length === 0) return undefined;

  if (nonEmpty(q.specificIds)) add(`c.id IN (SELECT value FROM json_each(?))`, JSON.stringify(q.specificIds));
  if (nonEmpty(q.parentCustomerIds)) {
    const parents = JSON.stringify(q.parentCustomerIds);
    if (q.shallowParent) add(`c.parent_id IN (SELECT value FROM json_each(?))`, parents);
    else add(`c.seq IN (SELECT customer_seq FROM customer_ancestors WHERE depth >= 1 AND ancestor_seq IN
      (SELECT seq FROM customers WHERE id IN (SELECT value FROM json_each(?))))`, parents);
  }
  if (nonEmpty(q.tagIds)) {
    const wanted = [...new Set(q.tagIds)];
    const seqs = (db.prepare(`SELECT seq FROM tags WHERE id IN (SELECT value FROM json_each(?))`)
      .pluck().all(JSON.stringify(wanted))) as number[];
    if (seqs.length < wanted.length) return undefined; // an unknown tag: nobody carries all of them
    // One tag drives (an index range of customer_tags), the others are primary-key probes.
    add(`c.seq IN (SELECT customer_seq FROM customer_tags WHERE tag_seq = ?)`, seqs[0]);
    for (const s of seqs.slice(1)) {
      add(`EXISTS (SELECT 1 FROM customer_tags WHERE tag_seq = ? AND customer_seq = c.seq)`, s);
    }
  }
  if (q.nameFilter !== undefined && q.nameFilter !== "") {
    const needle = foldName(q.nameFilter);
    const fts = trigramQuery(needle);
    // instr() re-checks FTS candidates exactly (detail=none ANDs trigrams, it cannot match a phrase).
    if (fts) add(`c.seq IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?) AND instr(c.name_fold, ?) > 0`, fts, needle);
    else add(`instr(c.name_fold, ?) > 0`, needle);
  }

  const column = SORT_COLUMNS[q.sortField];
  const dir = q.sortOrder === "Descend" ? "DESC" : "ASC";
  // `id` last makes the order total, so pages never overlap or skip.
  const orderBy = column === "c.id" ? `c.id ${dir}` : `${column} ${dir}, c.id ${dir}`;
  const from = `FROM customers c LEFT JOIN accounts a ON a.id = c.account_id`;
  const whereSql = (extra: string[]) => (extra.length + where.length ? `WHERE ${[...extra, ...where].join(" AND ")}` : "");

  if (accounts && accounts.length > 1 && accounts.length <= MERGE_MAX_ACCOUNTS && q.sortField === "name") {
    // A Manager's default listing. `account_id IN (…) ORDER BY name` makes SQLite sort every
    // customer of those accounts for each page; one arm per account instead walks
    // (account_id, name_fold, id) in order, and SQLite merges the arms (MERGE (UNION ALL)).
    const arm = `SELECT ${CUSTOMER_COLUMNS}, c.name_fold AS sort_key, c.id AS sort_id ${from} ${whereSql(["c.account_id = ?"])}`;
    return {
      select: `${accounts.map(() => arm).join(" UNION ALL ")} ORDER BY sort_key ${dir}, sort_id ${dir}`,
      selectParams: accounts.flatMap((a) => [a, ...params]),
      count: `SELECT count(*) AS n FROM customers c ${whereSql(["c.account_id IN (SELECT value FROM json_each(?))"])}`,
      countParams: [JSON.stringify(accounts), ...params],
    };
  }
  // A single account is an equality, so (account_id, name_fold, id) can serve the order.
  const accountTerm = accounts === undefined ? [] : accounts.length === 1 ? ["c.account_id = ?"]
    : ["c.account_id IN (SELECT value FROM json_each(?))"];
  const accountParams = accounts === undefined ? [] : accounts.length === 1 ? [accounts[0]] : [JSON.stringify(accounts)];
  return {
    select: `SELECT ${CUSTOMER_COLUMNS} ${from} ${whereSql(accountTerm)} ORDER BY ${orderBy}`,
    selectParams: [...accountParams, ...params],
    count: `SELECT count(*) AS n FROM customers c ${whereSql(accountTerm)}`,
    countParams: [...accountParams, ...params],
  };
}

/**
 * An FTS5 query for a substring of 3+ code points: its trigrams, each an FTS5 string
 * (a `"` doubled, so nothing in the filter is syntax), ANDed. Non-overlapping trigrams
 * plus the last one cover every character; instr() does the exact check.
 */
export function trigramQuery(needle: string): string | undefined {
  const chars = [...needle]; // code points: the trigram tokenizer counts those, not UTF-16 units
  if (chars.length < 3) return undefined;
  const starts = new Set<number>();
  for (let i = 0; i + 3 <= chars.length; i += 3) starts.add(i);
  starts.add(chars.length - 3);
  const trigrams = new Set([...starts].map((i) => chars.slice(i, i + 3).join("")));
  return [...trigrams].map((t) => `"${t.replaceAll('"', '""')}"`).join(" AND ");
}

/** Property order follows the service's sample body; nulls are left out as ServiceStack does. */
function toCustomer(r: CustomerRow, tags: Tag[], breadcrumb: CustomerBreadcrumb[]): CustomerInfo {
  return omitNulls({
    accountId: r.account_id,
    parentCustomerId: r.parent_id,
    breadcrumb,
    accountName: r.account_name,
    isStaging: bool(r.is_staging),
    name: r.name,
    referenceId: r.reference_id,
    data: parse(r.data),
    tags,
    schedule: parse(r.schedule),
    integrationData: parse(r.integration_data),
    overrideBillingSettings: bool(r.override_billing_settings),
    billingSettings: parse(r.billing_settings),
    overrideAppSettings: bool(r.override_app_settings),
    appSettings: parse(r.app_settings),
    id: r.id,
    dateCreated: r.date_created,
    dateLastModified: r.date_last_modified,
    createdBy: r.created_by,
    lastModifiedBy: r.last_modified_by,
  }) as CustomerInfo;
}

function toUser(r: UserRow): StoredUser {
  const user: StoredUser = {
    username: r.username,
    passwordHash: r.password_hash,
    roles: JSON.parse(r.roles) as Role[],
    accountIds: JSON.parse(r.account_ids) as string[],
  };
  if (r.customer_id !== null) user.customerId = r.customer_id;
  return user;
}

function omitNulls<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === null || o[k] === undefined) delete o[k];
  return o;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const nonEmpty = (a: string[] | undefined): a is string[] => a !== undefined && a.length > 0;
const bit = (b: boolean | undefined): number | null => (b === undefined ? null : b ? 1 : 0);
const bool = (n: number | null): boolean | null => (n === null ? null : n !== 0);
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
