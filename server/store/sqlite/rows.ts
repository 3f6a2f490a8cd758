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
 * A page's bodies (or CSV records) with their seqs, for the seqs bound as a JSON array.
 * Unordered: ORDER BY j.key copied every body into a temporary B-tree to sort 25 rows
 * (54 µs against 46 µs a page); `inSeqOrder` puts them back in order instead.
 */
const bodiesBySeq = (column: "body" | "csv") => `SELECT b.seq, b.${column} FROM json_each(?) j CROSS JOIN customer_bodies b
  WHERE b.seq = j.value`;
export const BODIES_BY_SEQ = bodiesBySeq("body");
const CSV_BY_SEQ = bodiesBySeq("csv");

/** The texts of `[seq, text]` rows, given in any order, in the order of `seqs`; as the join did, a seq without a row has no text. */
function inSeqOrder(seqs: readonly number[], rows: [number, string][]): string[] {
  const bySeq = new Map(rows);
  const texts: string[] = [];
  for (const seq of seqs) {
    const text = bySeq.get(seq);
    if (text !== undefined) texts.push(text);
  }
  return texts;
}

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

  /** The stored bodies of these customers, in this order. */
  bodiesBySeq(seqs: number[], trace?: TracedStatement[]): CustomerJson[] {
    if (seqs.length === 0) return [];
    const params = [JSON.stringify(seqs)];
    trace?.push({ role: "bodies", sql: BODIES_BY_SEQ, params });
    return inSeqOrder(seqs, this.stmt(BODIES_BY_SEQ).raw(true).all(params) as [number, string][]).map((body) =>
      JsonText.trusted<CustomerInfo>(body),
    );
  }

  /** The stored CSV records of these customers, in this order. */
  csvBySeq(seqs: number[]): string[] {
    if (seqs.length === 0) return [];
    return inSeqOrder(seqs, this.stmt(CSV_BY_SEQ).raw(true).all(JSON.stringify(seqs)) as [number, string][]);
  }

  /**
   * Builds, checks and stores the bodies of these customers from their rows, tags and
   * breadcrumbs: after they are inserted, and for rows that predate stored bodies.
   */
  writeBodies(seqs: number[]): void {
    if (seqs.length === 0) return;
    const insert = this.stmt(`INSERT INTO customer_bodies(seq, body, csv) VALUES (?, ?, ?)`);
    const rows = this.stmt(ROWS_BY_SEQ).raw(false).all(JSON.stringify(seqs)) as CustomerRow[];
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
