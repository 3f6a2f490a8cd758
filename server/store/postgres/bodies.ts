// The stored bodies on PostgreSQL: each customer's JSON as the API sends it, built in
// JavaScript from its rows by the one mapping both engines share (rows.ts toCustomer,
// checked by customer-body.ts), so PostgreSQL never has its own idea of a body.
import type { CustomerBreadcrumb, Tag } from "../../../generated/schema.js";
import { Buffer } from "node:buffer";
import { customerBody } from "../customer-body.js";
import { type CustomerRow, omitNulls, toCustomer } from "../rows.js";
import type { Sql } from "./connect.js";
import { ROWS_BY_SEQ } from "./query.js";

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

/** Builds, checks and stores the bodies of these customers from what is stored of them. */
async function writeBodies(sql: Queries, seqs: number[]): Promise<void> {
  const rows = await sql.unsafe<Row[]>(ROWS_BY_SEQ, [seqs] as never[]);
  const bodies = rows.map((r) =>
    bodyOf(
      r,
      (r.tags ?? []).map((t) => omitNulls({ ...t }) as Tag),
      r.breadcrumb ?? [],
    ),
  );
  await sql.unsafe(`UPDATE customer_documents d SET body = u.body FROM unnest($1::int[], $2::text[]) AS u(seq, body) WHERE d.seq = u.seq`, [
    rows.map((r) => r.seq),
    bodies,
  ] as never[]);
}

/** Builds the bodies of rows that predate stored bodies (migration 2). */
export async function fillBodies(sql: Queries): Promise<void> {
  // In chunks, so a million bodies never sit in memory at once.
  for (let after = 0; ; ) {
    const missing = await sql.unsafe<{ seq: number }[]>(
      `SELECT seq FROM customer_documents WHERE seq > $1 AND body IS NULL ORDER BY seq LIMIT ${FILL_CHUNK}`,
      [after],
    );
    if (missing.length === 0) return;
    const seqs = missing.map((r) => r.seq);
    await writeBodies(sql, seqs);
    after = seqs.at(-1)!;
  }
}
