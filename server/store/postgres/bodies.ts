// The stored bodies on PostgreSQL: each customer's JSON as the API sends it, built in
// JavaScript from its rows by the one mapping both engines share (rows.ts toCustomer,
// checked by customer-body.ts), so PostgreSQL never has its own idea of a body.
import type { CustomerBreadcrumb, Tag } from "../../../generated/schema.js";
import { Buffer } from "node:buffer";
import { customerBody } from "../customer-body.js";
import { type CustomerRow, omitNulls, toCustomer } from "../rows.js";
import type { Sql } from "./connect.js";
import { ROWS_IN_RANGE } from "./query.js";

const FILL_CHUNK = 2000;

/** The pool, or a transaction of it. */
type Queries = Pick<Sql, "unsafe">;

type Row = CustomerRow & { tags: Tag[] | null; breadcrumb: { id: string; name: string }[] | null };

/** Code point order, as PostgreSQL's "C" collation (and SQLite's BINARY) compare. */
const byCodePoint = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Tags by name (nameless first), then id: the order every engine sends them in. */
const tagOrder = (a: Tag, b: Tag) =>
  a.name === b.name
    ? byCodePoint(a.id ?? "", b.id ?? "")
    : a.name === undefined
      ? -1
      : b.name === undefined
        ? 1
        : byCodePoint(a.name, b.name);

/**
 * A customer's body from its stored row, its tags and its breadcrumb (root first); a
 * customer the spec forbids throws InvalidCustomerError, which fails the caller's transaction.
 */
export function bodyOf(row: CustomerRow, tags: Tag[], breadcrumb: CustomerBreadcrumb[]): string {
  return customerBody(toCustomer(row, [...tags].sort(tagOrder), breadcrumb)).text;
}

/** Marks a query handled, so its failure is only seen where it is awaited (and the query runs now). */
function started<T>(query: Promise<T>): Promise<T> {
  query.catch(() => {});
  return query;
}

/**
 * Builds, checks and stores every customer's body from what is stored of it, for the rows
 * that predate stored bodies (migration 2).
 */
export async function fillBodies(sql: Queries): Promise<void> {
  const [{ last } = { last: 0 }] = await sql.unsafe<{ last: number }[]>(`SELECT coalesce(max(seq), 0)::int AS last FROM customers`);
  // A range of seqs at a time: each read and write is one index range (not a search for
  // rows still without a body, which grows with every update), and memory stays flat.
  const read = (from: number) => started(sql.unsafe<Row[]>(ROWS_IN_RANGE, [from, from + FILL_CHUNK]));
  // JavaScript builds one range while PostgreSQL stores the one before and reads the next.
  let reading = read(0);
  let writing: Promise<unknown> = Promise.resolve();
  for (let from = 0; from < last; from += FILL_CHUNK) {
    const rows = await reading;
    if (from + FILL_CHUNK < last) reading = read(from + FILL_CHUNK);
    const bodies = rows.map((r) =>
      bodyOf(
        r,
        (r.tags ?? []).map((t) => omitNulls({ ...t }) as Tag),
        r.breadcrumb ?? [],
      ),
    );
    await writing;
    writing = started(
      sql.unsafe(`UPDATE customer_documents d SET body = u.body FROM unnest($1::int[], $2::text[]) AS u(seq, body) WHERE d.seq = u.seq`, [
        rows.map((r) => r.seq),
        bodies,
      ] as never[]),
    );
  }
  await writing;
}
