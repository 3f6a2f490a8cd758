// Rows of the SQLite store as the API's types, and the per-connection statement cache
// that reads them. A page reads its customers' stored bodies in one query; the bodies
// are built (customers with their tags and breadcrumbs, three queries a batch) when written.
import type Database from "better-sqlite3";
import type { CustomerBreadcrumb, CustomerInfo, Tag } from "../../../generated/schema.js";
import { JsonText } from "../../../generated/server.js";
import type { CustomerJson } from "../contract.js";
import { customerBody } from "../customer-body.js";
import { csvRecord } from "../customer-csv.js";
import { type CustomerRow, omitNulls, push, toCustomer } from "../rows.js";

type Db = Database.Database;
type Statement = Database.Statement<unknown[], unknown>;

const STATEMENT_CACHE_SIZE = 200;

/**
 * A page's bodies (or CSV records), for the seqs bound as a JSON array. The CROSS JOIN
 * pins the plan (scan the array in its order, look each seq up), so the texts come in
 * the array's order, and a seq without a row has none. ORDER BY j.key would copy every
 * body into a temporary B-tree to sort 25 rows (54 against 46 µs a page); reading
 * [seq, text] rows to put back in order through a Map cost 52 against 40 µs at 1M.
 */
const textsBySeq = (column: "body" | "csv") => `SELECT b.${column} FROM json_each(?) j CROSS JOIN customer_bodies b
  WHERE b.seq = j.value`;
const BODIES_BY_SEQ = textsBySeq("body");
const CSV_BY_SEQ = textsBySeq("csv");

/** The rows a body is built from, in the order of the seqs bound as a JSON array. */
const ROWS_BY_SEQ = `SELECT c.seq, c.id, c.account_id, c.parent_id, c.name, c.reference_id, c.is_staging,
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

/** Cached prepared statements and row mapping for one connection. */
export class Reader {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  /**
   * Statements are shared, so every use sets the row shape it wants: `.raw(true)`,
   * `.pluck(true)`, or `objects()` (better-sqlite3 leaves a plucked statement plucked on
   * `.raw(false)`).
   */
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

  /** The statement, returning rows as objects. */
  objects(sql: string): Statement {
    return this.stmt(sql).pluck(false).raw(false);
  }

  /** The first column of the first row. */
  value<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T | undefined {
    trace?.push({ role, sql, params });
    return this.stmt(sql).pluck(true).get(params) as T | undefined;
  }

  column<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T[] {
    trace?.push({ role, sql, params });
    return this.stmt(sql).pluck(true).all(params) as T[];
  }

  all<T>(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): T[] {
    trace?.push({ role, sql, params });
    return this.objects(sql).all(params) as T[];
  }

  seqs(role: string, sql: string, params: unknown[], trace?: TracedStatement[]): number[] {
    trace?.push({ role, sql, params });
    // Plucked: the numbers themselves, not an object per row to take them out of (17 against 34 µs a page).
    return this.stmt(sql).pluck(true).all(params) as number[];
  }

  /** The stored bodies of these customers, in this order. */
  bodiesBySeq(seqs: number[], trace?: TracedStatement[]): CustomerJson[] {
    return this.texts("body", seqs, trace).map((body) => JsonText.trusted<CustomerInfo>(body));
  }

  /** The stored CSV records of these customers, in this order. */
  csvBySeq(seqs: number[]): string[] {
    return this.texts("csv", seqs);
  }

  private texts(column: "body" | "csv", seqs: number[], trace?: TracedStatement[]): string[] {
    if (seqs.length === 0) return [];
    const sql = column === "body" ? BODIES_BY_SEQ : CSV_BY_SEQ;
    const params = [JSON.stringify(seqs)];
    trace?.push({ role: column === "body" ? "bodies" : "csv records", sql, params });
    return this.stmt(sql).pluck(true).all(params) as string[];
  }

  /**
   * Builds, checks and stores the bodies of these customers from their rows, tags and
   * breadcrumbs: after they are inserted, and for rows that predate stored bodies.
   */
  writeBodies(seqs: number[]): void {
    if (seqs.length === 0) return;
    const insert = this.stmt(`INSERT INTO customer_bodies(seq, body, csv) VALUES (?, ?, ?)`);
    const rows = this.objects(ROWS_BY_SEQ).all(JSON.stringify(seqs)) as CustomerRow[];
    const customers = this.toCustomers(rows);
    for (const [i, row] of rows.entries()) {
      const customer = customers[i]!;
      insert.run(row.seq, customerBody(customer).text, csvRecord(customer));
    }
  }

  /** Adds tags and breadcrumbs with one query each for the whole batch. */
  private toCustomers(rows: CustomerRow[]): CustomerInfo[] {
    if (rows.length === 0) return [];
    const seqs = JSON.stringify(rows.map((r) => r.seq));
    const tags = new Map<number, Tag[]>();
    // CROSS JOIN pins the join order: drive from the batch, never from the big tables.
    for (const t of this.objects(`SELECT ct.customer_seq AS seq, t.id, t.name, t.color
        FROM json_each(?) j CROSS JOIN customer_tags ct CROSS JOIN tags t
        WHERE ct.customer_seq = j.value AND t.seq = ct.tag_seq
        ORDER BY ct.customer_seq, t.name, t.id`).all(seqs) as ({ seq: number } & Record<"id" | "name" | "color", string | null>)[]) {
      push(tags, t.seq, omitNulls({ id: t.id, name: t.name, color: t.color }) as Tag);
    }
    const crumbs = new Map<number, CustomerBreadcrumb[]>();
    for (const b of this.objects(`SELECT ca.customer_seq AS seq, p.id, p.name
        FROM json_each(?) j CROSS JOIN customer_ancestors ca CROSS JOIN customers p
        WHERE ca.customer_seq = j.value AND ca.depth >= 1 AND p.seq = ca.ancestor_seq
        ORDER BY ca.customer_seq, ca.depth DESC`).all(seqs) as { seq: number; id: string; name: string }[]) {
      push(crumbs, b.seq, { id: b.id, name: b.name });
    }
    return rows.map((r) => toCustomer(r, tags.get(r.seq) ?? [], crumbs.get(r.seq) ?? []));
  }
}
