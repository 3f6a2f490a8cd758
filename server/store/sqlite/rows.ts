// Rows of the SQLite store as the API's types, and the per-connection statement cache
// that reads them: a page's customers with their tags and breadcrumbs in three queries.
import type Database from "better-sqlite3";
import type { CustomerBreadcrumb, CustomerInfo, Tag } from "../../../generated/schema.js";
import type { Role, StoredUser } from "../contract.js";

type Db = Database.Database;
type Statement = Database.Statement<unknown[], unknown>;

const STATEMENT_CACHE_SIZE = 200;

/** A page's rows, in the order of the seqs bound as a JSON array. */
export const ROWS_BY_SEQ = `SELECT c.seq, c.id, c.account_id, c.parent_id, c.name, c.reference_id, c.is_staging,
  c.override_billing_settings, c.override_app_settings, c.date_created, c.date_last_modified,
  c.created_by, c.last_modified_by, d.data, d.schedule, d.integration_data, d.billing_settings,
  d.app_settings, c.account_name
  FROM json_each(?) j CROSS JOIN customers c LEFT JOIN customer_documents d ON d.seq = c.seq
  WHERE c.seq = j.value ORDER BY j.key`;

/** One executed statement, for explain(): every query the planner and the page run is recorded when a trace is given. */
export interface TracedStatement {
  role: string;
  sql: string;
  params: unknown[];
}

export interface CustomerRow {
  seq: number;
  id: string;
  account_id: string;
  parent_id: string | null;
  name: string;
  reference_id: string | null;
  is_staging: number | null;
  override_billing_settings: number | null;
  override_app_settings: number | null;
  date_created: string | null;
  date_last_modified: string | null;
  created_by: string | null;
  last_modified_by: string | null;
  data: string | null;
  schedule: string | null;
  integration_data: string | null;
  billing_settings: string | null;
  app_settings: string | null;
  account_name: string | null;
}

export interface UserRow {
  username: string;
  password_hash: string;
  roles: string;
  account_ids: string;
  customer_id: string | null;
}

/** Cached prepared statements and row mapping for one connection. */
export class Reader {
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

  /** The first column of the first row. */
  value<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T | undefined {
    trace?.push({ role, sql, params });
    const row = this.stmt(sql).raw(true).get(params) as unknown[] | undefined;
    return row?.[0] as T | undefined;
  }

  column<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T[] {
    trace?.push({ role, sql, params });
    return (this.stmt(sql).raw(true).all(params) as unknown[][]).map((r) => r[0] as T);
  }

  all<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T[] {
    trace?.push({ role, sql, params });
    return this.stmt(sql).raw(false).all(params) as T[];
  }

  seqs(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): number[] {
    trace?.push({ role, sql, params });
    return (this.stmt(sql).all(params) as { seq: number }[]).map((r) => r.seq);
  }

  rowsBySeq(seqs: number[], trace?: TracedStatement[]): CustomerRow[] {
    if (seqs.length === 0) return [];
    const params = [JSON.stringify(seqs)];
    trace?.push({ role: "rows", sql: ROWS_BY_SEQ, params });
    return this.rows(ROWS_BY_SEQ, params);
  }

  rows(sql: string, params: unknown[]): CustomerRow[] {
    return this.stmt(sql).raw(false).all(params) as CustomerRow[];
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
        ORDER BY ct.customer_seq, t.name, t.id`)
      .raw(false)
      .all(seqs) as ({ seq: number } & Record<"id" | "name" | "color", string | null>)[]) {
      push(tags, t.seq, omitNulls({ id: t.id, name: t.name, color: t.color }) as Tag);
    }
    const crumbs = new Map<number, CustomerBreadcrumb[]>();
    for (const b of this.stmt(`SELECT ca.customer_seq AS seq, p.id, p.name
        FROM json_each(?) j CROSS JOIN customer_ancestors ca CROSS JOIN customers p
        WHERE ca.customer_seq = j.value AND ca.depth >= 1 AND p.seq = ca.ancestor_seq
        ORDER BY ca.customer_seq, ca.depth DESC`)
      .raw(false)
      .all(seqs) as { seq: number; id: string; name: string }[]) {
      push(crumbs, b.seq, { id: b.id, name: b.name });
    }
    return rows.map((r) => toCustomer(r, tags.get(r.seq) ?? [], crumbs.get(r.seq) ?? []));
  }
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

export function toUser(r: UserRow): StoredUser {
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

export const bit = (b: boolean | undefined): number | null => (b === undefined ? null : b ? 1 : 0);
const bool = (n: number | null): boolean | null => (n === null ? null : n !== 0);
export const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
