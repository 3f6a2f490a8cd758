// Writing on PostgreSQL with COPY: a batch of customers is four COPY streams (customers,
// documents, closure rows, tags) in one transaction. The first customers into an empty
// table start a bulk load: the secondary indexes are dropped and built once at its end
// (end()), which is several times faster than growing 16 indexes row by row. Each
// customer's body (bodies.ts) is built here from the row being written, its tags and its
// breadcrumb, and goes in with it: a bulk load never reads back what it wrote.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AccountInfo, CustomerBreadcrumb, Tag } from "../../../generated/schema.js";
import { checkNewCustomer } from "../customer-body.js";
import type { NewCustomer } from "../contract.js";
import { type CustomerRow, json, omitNulls } from "../rows.js";
import { foldName } from "../fold.js";
import type postgres from "postgres";
import { bodyOf } from "./bodies.js";
import type { Sql } from "./connect.js";
import { BULK_FOREIGN_KEYS, BULK_INDEXES } from "./schema.js";

type Tx = postgres.TransactionSql;

/**
 * Kept through a bulk load: a batch finds the chains of its parents from earlier batches
 * through it (without it, a scan of every closure row so far, for every batch), and
 * customer seqs only grow, so the load only appends to it.
 */
const KEPT_INDEX = "customer_ancestors_up";

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One field of COPY's text format. */
function field(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  const s = String(v);
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]!) : s;
}

const line = (values: (string | number | boolean | null | undefined)[]) => `${values.map(field).join("\t")}\n`;

async function copy(tx: Tx, table: string, columns: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const stream = await tx.unsafe(`COPY ${table} (${columns}) FROM STDIN`).writable();
  await pipeline(Readable.from([lines.join("")]), stream);
}

export class Loader {
  private loading = false;
  private accountNames = new Map<string, string>();
  private tags = new Map<string, { seq: number; tag: Tag }>();

  constructor(private readonly sql: Sql) {}

  async insertAccounts(accounts: AccountInfo[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      await copy(
        tx,
        "accounts",
        "id, name, document",
        accounts.map((a) => line([a.id, a.name, json(a)])),
      );
    });
  }

  async insertTags(tags: Tag[]): Promise<void> {
    for (const t of tags) if (!t.id) throw new Error("a tag needs an id");
    await this.sql.begin(async (tx) => {
      await copy(
        tx,
        "tags",
        "id, name, color",
        tags.map((t) => line([t.id, t.name, t.color])),
      );
    });
  }

  async insertCustomers(batch: NewCustomer[]): Promise<void> {
    if (batch.length === 0) return;
    for (const c of batch) checkNewCustomer(c);
    if (!this.loading) {
      const [empty] = await this.sql`SELECT NOT EXISTS (SELECT 1 FROM customers) AS empty`;
      if (empty!.empty) await this.begin();
    }
    await this.sql.begin(async (tx) => {
      const ids = new Set(batch.map((c) => c.id));
      const outside = [
        ...new Set(batch.flatMap((c) => (c.parentCustomerId != null && !ids.has(c.parentCustomerId) ? [c.parentCustomerId] : []))),
      ];
      // Each customer's ancestors, itself first, and the breadcrumb its children get (itself last).
      const chains = new Map<string, { up: number[]; trail: CustomerBreadcrumb[] }>();
      if (outside.length) {
        const rows = await tx.unsafe<{ id: string; up: number[]; trail: CustomerBreadcrumb[] }[]>(
          `SELECT p.id, array_agg(a.ancestor_seq ORDER BY a.depth) AS up,
            json_agg(json_build_object('id', x.id, 'name', x.name) ORDER BY a.depth DESC) AS trail
          FROM customers p JOIN customer_ancestors a ON a.customer_seq = p.seq JOIN customers x ON x.seq = a.ancestor_seq
          WHERE p.id = ANY($1::text[]) GROUP BY p.id`,
          [outside],
        );
        for (const r of rows) chains.set(r.id, r);
      }
      // Accounts and tags are few and written before their customers: read again only when a batch meets a new one.
      if (batch.some((c) => !this.accountNames.has(c.accountId) || c.tagIds.some((id) => !this.tags.has(id)))) {
        this.accountNames = new Map((await tx<{ id: string; name: string }[]>`SELECT id, name FROM accounts`).map((a) => [a.id, a.name]));
        this.tags = new Map(
          (await tx<({ seq: number } & Tag)[]>`SELECT seq, id, name, color FROM tags`).map(({ seq, ...t }) => [
            t.id!,
            { seq, tag: omitNulls(t) },
          ]),
        );
      }
      const { accountNames, tags } = this;
      const seqs = await tx<{ seq: number }[]>`SELECT nextval('customer_seqs')::int AS seq FROM generate_series(1, ${batch.length})`;

      const customers: string[] = [];
      const documents: string[] = [];
      const ancestors: string[] = [];
      const tagged: string[] = [];
      batch.forEach((c, i) => {
        const seq = seqs[i]!.seq;
        const accountName = accountNames.get(c.accountId);
        if (accountName === undefined) throw new Error(`customer ${c.id}: unknown account ${c.accountId}`);
        const parent = c.parentCustomerId == null ? undefined : chains.get(c.parentCustomerId);
        if (c.parentCustomerId != null && !parent) {
          throw new Error(`customer ${c.id}: unknown parent ${c.parentCustomerId} (parents go first)`);
        }
        const up = [seq, ...(parent?.up ?? [])];
        const breadcrumb = parent?.trail ?? [];
        chains.set(c.id, { up, trail: [...breadcrumb, { id: c.id, name: c.name }] });
        const own = [...new Set(c.tagIds)].map((tagId) => {
          const tag = tags.get(tagId);
          if (tag === undefined) throw new Error(`customer ${c.id}: unknown tag ${tagId}`);
          tagged.push(line([tag.seq, seq]));
          return tag.tag;
        });
        // The row as it is stored, which is also what its body is built from (bodies.ts).
        const r: CustomerRow = {
          seq,
          id: c.id,
          account_id: c.accountId,
          parent_id: c.parentCustomerId ?? null,
          name: c.name,
          reference_id: c.referenceId ?? null,
          is_staging: c.isStaging ?? null,
          override_billing_settings: c.overrideBillingSettings ?? null,
          override_app_settings: c.overrideAppSettings ?? null,
          date_created: c.dateCreated ?? null,
          date_last_modified: c.dateLastModified ?? null,
          created_by: c.createdBy ?? null,
          last_modified_by: c.lastModifiedBy ?? null,
          data: json(c.data),
          schedule: json(c.schedule),
          integration_data: json(c.integrationData),
          billing_settings: json(c.billingSettings),
          app_settings: json(c.appSettings),
          account_name: accountName,
        };
        customers.push(
          line([
            seq,
            r.id,
            r.account_id,
            r.parent_id,
            r.name,
            foldName(r.name),
            r.reference_id,
            r.is_staging,
            r.override_billing_settings,
            r.override_app_settings,
            r.date_created,
            r.date_last_modified,
            r.created_by,
            r.last_modified_by,
            r.account_name,
          ]),
        );
        documents.push(line([seq, r.data, r.schedule, r.integration_data, r.billing_settings, r.app_settings, bodyOf(r, own, breadcrumb)]));
        for (const [depth, ancestor] of up.entries()) ancestors.push(line([ancestor, seq, depth]));
      });
      await copy(
        tx,
        "customers",
        `seq, id, account_id, parent_id, name, name_fold, reference_id, is_staging, override_billing_settings,
        override_app_settings, date_created, date_last_modified, created_by, last_modified_by, account_name`,
        customers,
      );
      await copy(tx, "customer_documents", "seq, data, schedule, integration_data, billing_settings, app_settings, body", documents);
      await copy(tx, "customer_ancestors", "ancestor_seq, customer_seq, depth", ancestors);
      await copy(tx, "customer_tags", "tag_seq, customer_seq", tagged);
    });
  }

  private async begin(): Promise<void> {
    await this.sql.begin(async (tx) => {
      for (const k of BULK_FOREIGN_KEYS) await tx.unsafe(`ALTER TABLE ${k.table} DROP CONSTRAINT IF EXISTS ${k.name}`);
      for (const i of BULK_INDEXES) if (i.name !== KEPT_INDEX) await tx.unsafe(`DROP INDEX IF EXISTS ${i.name}`);
    });
    this.loading = true;
  }

  /** Builds what begin() dropped; a no-op unless this store started a bulk load. */
  async end(): Promise<void> {
    if (!this.loading) return;
    this.loading = false;
    // Two at a time: this machine class has two cores, and each build is CPU-bound.
    const pending = [...BULK_INDEXES];
    const worker = async () => {
      for (let next = pending.shift(); next; next = pending.shift()) {
        await this.sql.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL maintenance_work_mem = '256MB'`);
          await tx.unsafe(next.create);
        });
      }
    };
    await Promise.all([worker(), worker()]);
    for (const k of BULK_FOREIGN_KEYS) await this.sql.unsafe(`ALTER TABLE ${k.table} ADD CONSTRAINT ${k.name} ${k.definition}`);
  }

  async analyze(): Promise<void> {
    await this.end();
    await this.sql`ANALYZE`;
  }
}
