// Writing customers on SQLite. The first customers into an empty database start a bulk
// load (secondary indexes and triggers dropped, rebuilt in one sorted pass at its end).
import type Database from "better-sqlite3";
import type { AccountInfo, Tag } from "../../../generated/schema.js";
import type { NewCustomer } from "../contract.js";
import { checkNewCustomer } from "../customer-body.js";
import { foldName, nameGrams } from "./names.js";
import { bit, json } from "../rows.js";
import type { Reader } from "./rows.js";
import { GRAM_COUNT_TRIGGERS, GRAM_COUNTS_FILL } from "./gram-counts.js";
import { NAME_COUNT_TRIGGERS, NAME_COUNTS_FILL } from "./name-counts.js";
import { TAG_PAIR_TRIGGERS, TAG_PAIRS_POSTINGS_FILL } from "./tag-pairs.js";
import { BULK_INDEXES, BULK_TRIGGERS, DERIVED_TRIGGERS, FTS_TRIGGERS, TAG_ACCOUNTS_FILL, TAG_PAIRS_FILL } from "./schema.js";

export class BulkLoader {
  /** Secondary indexes and triggers are dropped until the bulk load of an empty database ends. */
  private loading = false;

  constructor(
    private readonly db: Database.Database,
    private readonly reader: Reader,
    private readonly inMemory: boolean,
  ) {}

  /** A bulk load that died before its end left indexes and triggers out: put them back. */
  recover(): void {
    if (!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_insert'`).get()) {
      this.loading = true;
      this.end();
    }
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
    for (const c of batch) checkNewCustomer(c);
    if (!this.loading && this.reader.value<number>("empty", `SELECT NOT EXISTS (SELECT 1 FROM customers)`, []) === 1) {
      this.begin();
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
      (this.reader.objects(`SELECT id, seq FROM tags`).all() as { id: string; seq: number }[]).map((t) => [t.id, t.seq]),
    );
    this.db.transaction(() => {
      const seqs: number[] = [];
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
        seqs.push(seq);
      }
      // A bulk load builds every body at its end, once the indexes that build them are back.
      if (!this.loading) this.reader.writeBodies(seqs);
    })();
  }

  /**
   * The first customers into an empty database start a bulk load: without the secondary
   * indexes, the FTS and count triggers, and the journal, rows go in at a fraction of the
   * cost, and endBulkLoad builds each index in one sorted pass. Anything that reads,
   * optimize() and close() end it; so does the next open() if the process died
   * (it calls resume()).
   */
  private begin(): void {
    if (!this.inMemory) {
      // Only an empty database: a crash now loses nothing that a reseed would not rebuild.
      this.db.pragma("journal_mode = OFF");
      this.db.pragma("synchronous = OFF");
    }
    this.db.transaction(() => {
      for (const t of BULK_TRIGGERS) this.db.exec(`DROP TRIGGER IF EXISTS ${t}`);
      for (const i of BULK_INDEXES) this.db.exec(`DROP INDEX IF EXISTS ${i.name}`);
    })();
    this.loading = true;
  }

  /** Puts back what begin() dropped; a no-op unless a bulk load is under way. */
  end(): void {
    if (!this.loading) return;
    this.db.transaction(() => {
      for (const i of BULK_INDEXES) this.db.exec(i.create);
      this.db.exec(`INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')`);
      this.db.exec(`UPDATE accounts SET customer_count = (SELECT count(*) FROM customers c WHERE c.account_id = accounts.id)`);
      this.db.exec(`UPDATE tags SET customer_count = (SELECT count(*) FROM customer_tags ct WHERE ct.tag_seq = tags.seq)`);
      this.db.exec(TAG_ACCOUNTS_FILL);
      this.db.exec(TAG_PAIRS_FILL);
      this.db.exec(GRAM_COUNTS_FILL); // from customers_grams, which a bulk load keeps filling
      this.db.exec(NAME_COUNTS_FILL);
      this.db.exec(TAG_PAIRS_POSTINGS_FILL);
      this.db.exec(DERIVED_TRIGGERS + FTS_TRIGGERS + GRAM_COUNT_TRIGGERS + NAME_COUNT_TRIGGERS + TAG_PAIR_TRIGGERS);
      fillBodies(this.reader);
    })();
    if (!this.inMemory) {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
    }
    this.loading = false;
  }
}

/** Builds the bodies that are missing: after a bulk load, and for rows that predate stored bodies. */
export function fillBodies(reader: Reader): void {
  // In chunks: a connection cannot write while it iterates, and a million bodies at once would not be flat.
  for (let after = 0; ; ) {
    const seqs = reader.column<number>(
      "missing bodies",
      `SELECT c.seq FROM customers c WHERE c.seq > ? AND NOT EXISTS (SELECT 1 FROM customer_bodies b WHERE b.seq = c.seq)
      ORDER BY c.seq LIMIT 2000`,
      [after],
    );
    if (seqs.length === 0) return;
    reader.writeBodies(seqs);
    after = seqs.at(-1)!;
  }
}
