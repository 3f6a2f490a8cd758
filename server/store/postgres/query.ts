// The SQL of a query on PostgreSQL: one WHERE clause for the scope and the filters, an
// ORDER BY that a `(column NULLS FIRST, id)` index answers, and the cheap totals. The
// choice between walking a sort index and collecting a filter's matches is left to
// PostgreSQL's planner, which has the statistics (ANALYZE after a bulk load) to make it.
import type { CustomerQuery, SortField } from "../contract.js";
import { foldName } from "../fold.js";
import { accountsOf, nonEmpty } from "../scope.js";
import { isDescending } from "../sort-order.js";

/** The column of each sortable field; the only texts spliced into SQL besides fixed fragments. */
const SORTS = {
  id: "c.id",
  name: "c.name_fold",
  accountId: "c.account_id",
  accountName: "c.account_name",
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

export interface Built {
  /** `WHERE …` or "" */
  where: string;
  params: unknown[];
  /** How the total is found without counting rows, when the filters allow it. */
  total: { sql: string; params: unknown[] } | undefined;
}

/** `%needle%` for LIKE with the needle taken literally: `\` (LIKE's escape), `%` and `_` escaped. */
export function containsPattern(needle: string): string {
  return `%${foldName(needle).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export function orderBy(q: CustomerQuery): string {
  const asc = !isDescending(q.sortOrder);
  const dir = asc ? "ASC" : "DESC";
  // `id` last makes the order total, so pages never overlap or skip. NULLs sort as in
  // SQLite (first ascending), so both engines page identically.
  if (q.sortField === "id") return `c.id ${dir}`;
  return `${SORTS[q.sortField]} ${dir} NULLS ${asc ? "FIRST" : "LAST"}, c.id ${dir}`;
}

/** The scope and every filter as one WHERE clause over `customers c`; undefined when nothing can match. */
export function build(q: CustomerQuery): Built | undefined {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const accounts = accountsOf(q);
  let counted: "accounts" | "tag" | undefined;
  switch (q.scope.kind) {
    case "all":
      break;
    case "accounts": // accountsOf(q) below
      break;
    case "subtree":
      clauses.push(`c.seq IN (SELECT a.customer_seq FROM customer_ancestors a
        WHERE a.ancestor_seq = (SELECT seq FROM customers WHERE id = ${p(q.scope.customerId)}))`);
      break;
    default:
      throw new Error(`unknown scope ${JSON.stringify(q.scope satisfies never)}`);
  }
  if (accounts) {
    if (accounts.length === 0) return undefined;
    clauses.push(`c.account_id = ANY(${p(accounts)}::text[])`);
    counted = "accounts";
  }
  if (nonEmpty(q.specificIds)) clauses.push(`c.id = ANY(${p([...new Set(q.specificIds)])}::text[])`);
  if (nonEmpty(q.parentCustomerIds)) {
    const parents = p([...new Set(q.parentCustomerIds)]);
    clauses.push(
      q.shallowParent
        ? `c.parent_id = ANY(${parents}::text[])`
        : `c.seq IN (SELECT a.customer_seq FROM customer_ancestors a JOIN customers pc ON pc.seq = a.ancestor_seq
          WHERE pc.id = ANY(${parents}::text[]) AND a.depth >= 1)`,
    );
  }
  const tags = nonEmpty(q.tagIds) ? [...new Set(q.tagIds)] : [];
  for (const tag of tags) {
    clauses.push(`c.seq IN (SELECT ct.customer_seq FROM customer_tags ct
      WHERE ct.tag_seq = (SELECT seq FROM tags WHERE id = ${p(tag)}))`);
  }
  if (tags.length === 1) counted = counted ? undefined : "tag";
  if (q.nameFilter !== undefined && q.nameFilter !== "") clauses.push(`c.name_fold LIKE ${p(containsPattern(q.nameFilter))}`);

  const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
  let total: Built["total"];
  if (clauses.length === 0) total = { sql: `SELECT coalesce(sum(customer_count), 0)::int AS n FROM accounts`, params: [] };
  else if (clauses.length === 1 && counted === "accounts") {
    total = { sql: `SELECT coalesce(sum(customer_count), 0)::int AS n FROM accounts WHERE id = ANY($1::text[])`, params: [accounts] };
  } else if (clauses.length === 1 && counted === "tag") {
    total = { sql: `SELECT coalesce(max(customer_count), 0)::int AS n FROM tags WHERE id = $1`, params: [tags[0]] };
  }
  return { where, params, total };
}

/** The columns a customer's body is built from: the narrow row, its documents, its tags and breadcrumb. */
const CUSTOMER_COLUMNS = `c.seq, c.id, c.account_id, c.parent_id, c.name, c.reference_id, c.is_staging,
  c.override_billing_settings, c.override_app_settings, c.date_created, c.date_last_modified,
  c.created_by, c.last_modified_by, d.data, d.schedule, d.integration_data, d.billing_settings,
  d.app_settings, c.account_name,
  (SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'color', t.color))
    FROM customer_tags ct JOIN tags t ON t.seq = ct.tag_seq WHERE ct.customer_seq = c.seq) AS tags,
  (SELECT json_agg(json_build_object('id', p.id, 'name', p.name) ORDER BY a.depth DESC)
    FROM customer_ancestors a JOIN customers p ON p.seq = a.ancestor_seq
    WHERE a.customer_seq = c.seq AND a.depth >= 1) AS breadcrumb`;

/** A page's bodies, in the order of the seqs given. */
export const BODIES_BY_SEQ = `SELECT d.body FROM unnest($1::int[]) WITH ORDINALITY AS j(seq, ord)
  JOIN customer_documents d ON d.seq = j.seq ORDER BY j.ord`;

/** The rows bodies are built from (bodies.ts): those with seqs in ($1, $2]. */
export const ROWS_IN_RANGE = `SELECT ${CUSTOMER_COLUMNS}
  FROM customers c JOIN customer_documents d ON d.seq = c.seq WHERE c.seq > $1 AND c.seq <= $2`;
