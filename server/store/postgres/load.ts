// Writing on PostgreSQL with COPY: a batch of customers is four COPY streams (customers,
// documents, closure rows, tags) in one transaction. The first customers into an empty
// table start a bulk load: the secondary indexes are dropped and built once at its end
// (end()), which is several times faster than growing 16 indexes row by row. Each
// customer's body (bodies.ts) is built from its rows: in the batch's own transaction,
// or, in a bulk load, all at its end once the indexes that read them are back.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AccountInfo, Tag } from "../../../generated/schema.js";
import { checkNewCustomer } from "../customer-body.js";
import type { NewCustomer } from "../contract.js";
import { json } from "../rows.js";
import { foldName } from "../fold.js";
import type postgres from "postgres";
import { fillBodies, writeBodies } from "./bodies.js";
import type { Sql } from "./connect.js";
import { BULK_FOREIGN_KEYS, BULK_INDEXES } from "./schema.js";

type Tx = postgres.TransactionSql;

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
  private tagSeqs = new Map<string, number>();

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
      // Each customer's ancestors, itself first: a child's are its own seq and its parent's.
      const up = new Map<string, number[]>();
      if (outside.length) {
        const rows = await tx.unsafe<{ id: string; up: number[] }[]>(
          `SELECT p.id, array_agg(a.ancestor_seq ORDER BY a.depth) AS up FROM customers p
          JOIN customer_ancestors a ON a.customer_seq = p.seq WHERE p.id = ANY($1::text[]) GROUP BY p.id`,
          [outside],
        );
        for (const r of rows) up.set(r.id, r.up);
      }
      // Accounts and tags are few and written before their customers: read again only when a batch meets a new one.
      if (batch.some((c) => !this.accountNames.has(c.accountId) || c.tagIds.some((id) => !this.tagSeqs.has(id)))) {
        this.accountNames = new Map((await tx<{ id: string; name: string }[]>`SELECT id, name FROM accounts`).map((a) => [a.id, a.name]));
        this.tagSeqs = new Map((await tx<{ id: string; seq: number }[]>`SELECT id, seq FROM tags`).map((t) => [t.id, t.seq]));
      }
      const { accountNames, tagSeqs } = this;
      const seqs = await tx<{ seq: number }[]>`SELECT nextval('customer_seqs')::int AS seq FROM generate_series(1, ${batch.length})`;

      const customers: string[] = [];
      const documents: string[] = [];
      const ancestors: string[] = [];
      const tagged: string[] = [];
      batch.forEach((c, i) => {
        const seq = seqs[i]!.seq;
        const accountName = accountNames.get(c.accountId);
        if (accountName === undefined) throw new Error(`customer ${c.id}: unknown account ${c.accountId}`);
        let chain = [seq];
        if (c.parentCustomerId != null) {
          const parent = up.get(c.parentCustomerId);
          if (!parent) throw new Error(`customer ${c.id}: unknown parent ${c.parentCustomerId} (parents go first)`);
          chain = [seq, ...parent];
        }
        up.set(c.id, chain);
        customers.push(
          line([
            seq,
            c.id,
            c.accountId,
            c.parentCustomerId,
            c.name,
            foldName(c.name),
            c.referenceId,
            c.isStaging,
            c.overrideBillingSettings,
            c.overrideAppSettings,
            c.dateCreated,
            c.dateLastModified,
            c.createdBy,
            c.lastModifiedBy,
            accountName,
          ]),
        );
        documents.push(line([seq, json(c.data), json(c.schedule), json(c.integrationData), json(c.billingSettings), json(c.appSettings)]));
        for (const [depth, ancestor] of chain.entries()) ancestors.push(line([ancestor, seq, depth]));
        for (const tagId of new Set(c.tagIds)) {
          const tagSeq = tagSeqs.get(tagId);
          if (tagSeq === undefined) throw new Error(`customer ${c.id}: unknown tag ${tagId}`);
          tagged.push(line([tagSeq, seq]));
        }
      });
      await copy(
        tx,
        "customers",
        `seq, id, account_id, parent_id, name, name_fold, reference_id, is_staging, override_billing_settings,
        override_app_settings, date_created, date_last_modified, created_by, last_modified_by, account_name`,
        customers,
      );
      await copy(tx, "customer_documents", "seq, data, schedule, integration_data, billing_settings, app_settings", documents);
      await copy(tx, "customer_ancestors", "ancestor_seq, customer_seq, depth", ancestors);
      await copy(tx, "customer_tags", "tag_seq, customer_seq", tagged);
      if (!this.loading)
        await writeBodies(
          tx,
          seqs.map((s) => s.seq),
        );
    });
  }

  private async begin(): Promise<void> {
    await this.sql.begin(async (tx) => {
      for (const k of BULK_FOREIGN_KEYS) await tx.unsafe(`ALTER TABLE ${k.table} DROP CONSTRAINT IF EXISTS ${k.name}`);
      for (const i of BULK_INDEXES) await tx.unsafe(`DROP INDEX IF EXISTS ${i.name}`);
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
    await fillBodies(this.sql);
  }

  async analyze(): Promise<void> {
    await this.end();
    await this.sql`ANALYZE`;
  }
}
