// SQLite schema as ordered migrations: MIGRATIONS[i] moves `PRAGMA user_version` from i
// to i + 1. Append new migrations; never edit a released one.
//
// Scale notes (a million customers, every filter answered from an index):
// - `seq` is an INTEGER PRIMARY KEY (a rowid alias). FTS5, the closure table and the tag
//   table point at it: an integer key is a fraction of the size of the text id and a
//   rowid join is the cheapest one SQLite has. It must be an alias, because VACUUM may
//   renumber an implicit rowid and silently break the FTS index.
// - `name_fold` is the name lower-cased in JavaScript (Unicode-aware; SQLite's lower()
//   and NOCASE fold ASCII only). Sorting by name and the name filter both use it.
// - `customer_ancestors` is a closure table with a self row (depth 0), so "subtree",
//   "descendants at any depth" and "direct children" are all one index range.
// - `customers_fts` is an external-content trigram index over name_fold, kept in step by
//   triggers, so a substring filter of 3+ characters never scans the table. Since
//   migration 2 it has detail=full: a substring is a phrase of consecutive trigrams,
//   answered exactly by the index alone (detail=none could only AND the trigrams and
//   needed every candidate re-checked against the table, which made counts and size
//   probes cost a table read per candidate).
// - Every sortable column has an index ending in `id`, the tie-breaker, so ORDER BY +
//   LIMIT walks an index instead of sorting the table. The store picks, per query,
//   between walking that index and testing each row, and collecting the filter's
//   candidates first and sorting them (sqlite/store.ts, choose); the per-account
//   and per-tag counts make that choice free for the most common filters.
// - Exact totals must not cost a visit of every match (migration 5): a 1–2 character
//   needle's count is one row (gram-counts.ts); a longer one sums over the distinct
//   names that match, alone, per tag or per account (name-counts.ts); two tags at once
//   are one posting list (tag-pairs.ts).
// - A migration's text may interpolate the trigger constants below: they are written
//   IF NOT EXISTS and a changed trigger needs a new migration anyway.

import { GRAM_COUNT_TRIGGERS, GRAM_COUNTS_MIGRATION } from "./gram-counts.js";
import { NAME_COUNT_TRIGGERS, NAME_COUNTS_MIGRATION } from "./name-counts.js";
import { TAG_PAIR_TRIGGERS, TAG_PAIRS_MIGRATION } from "./tag-pairs.js";

/**
 * Triggers that keep derived data in step: the per-account and per-tag customer counts
 * and the denormalized account name. A bulk load drops them and rebuilds what they
 * maintain at the end (sqlite/store.ts, beginBulkLoad and endBulkLoad), so they are stated once, here.
 */
const DERIVED_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS customers_count_insert AFTER INSERT ON customers BEGIN
    UPDATE accounts SET customer_count = customer_count + 1 WHERE id = new.account_id;
  END;
  CREATE TRIGGER IF NOT EXISTS customers_count_delete AFTER DELETE ON customers BEGIN
    UPDATE accounts SET customer_count = customer_count - 1 WHERE id = old.account_id;
  END;
  CREATE TRIGGER IF NOT EXISTS customers_account_update AFTER UPDATE OF account_id ON customers BEGIN
    UPDATE accounts SET customer_count = customer_count - 1 WHERE id = old.account_id;
    UPDATE accounts SET customer_count = customer_count + 1 WHERE id = new.account_id;
    UPDATE customers SET account_name = (SELECT name FROM accounts WHERE id = new.account_id) WHERE seq = new.seq;
    UPDATE tag_accounts SET customer_count = customer_count - 1
      WHERE account_id = old.account_id AND tag_seq IN (SELECT tag_seq FROM customer_tags WHERE customer_seq = new.seq);
    INSERT INTO tag_accounts(tag_seq, account_id, customer_count)
      SELECT tag_seq, new.account_id, 1 FROM customer_tags WHERE customer_seq = new.seq
      ON CONFLICT(tag_seq, account_id) DO UPDATE SET customer_count = customer_count + 1;
  END;
  -- Untag first, while the customer's account can still be looked up for tag_accounts.
  CREATE TRIGGER IF NOT EXISTS customers_untag BEFORE DELETE ON customers BEGIN
    DELETE FROM customer_tags WHERE customer_seq = old.seq;
  END;
  CREATE TRIGGER IF NOT EXISTS accounts_rename AFTER UPDATE OF name ON accounts BEGIN
    UPDATE customers SET account_name = new.name WHERE account_id = new.id;
  END;
  CREATE TRIGGER IF NOT EXISTS customer_tags_count_insert AFTER INSERT ON customer_tags BEGIN
    UPDATE tags SET customer_count = customer_count + 1 WHERE seq = new.tag_seq;
    INSERT INTO tag_accounts(tag_seq, account_id, customer_count)
      SELECT new.tag_seq, account_id, 1 FROM customers WHERE seq = new.customer_seq
      ON CONFLICT(tag_seq, account_id) DO UPDATE SET customer_count = customer_count + 1;
    INSERT INTO tag_pairs(low_seq, high_seq, customer_count)
      SELECT min(new.tag_seq, ct.tag_seq), max(new.tag_seq, ct.tag_seq), 1 FROM customer_tags ct
      WHERE ct.customer_seq = new.customer_seq AND ct.tag_seq <> new.tag_seq
      ON CONFLICT(low_seq, high_seq) DO UPDATE SET customer_count = customer_count + 1;
  END;
  CREATE TRIGGER IF NOT EXISTS customer_tags_count_delete AFTER DELETE ON customer_tags BEGIN
    UPDATE tag_pairs SET customer_count = customer_count - 1 WHERE (low_seq, high_seq) IN
      (SELECT min(old.tag_seq, ct.tag_seq), max(old.tag_seq, ct.tag_seq) FROM customer_tags ct WHERE ct.customer_seq = old.customer_seq);
    UPDATE tags SET customer_count = customer_count - 1 WHERE seq = old.tag_seq;
    UPDATE tag_accounts SET customer_count = customer_count - 1
      WHERE tag_seq = old.tag_seq AND account_id = (SELECT account_id FROM customers WHERE seq = old.customer_seq);
  END;`;

/** Recomputes tag_accounts from scratch (migration 2, and the end of a bulk load). */
export const TAG_ACCOUNTS_FILL = `
  DELETE FROM tag_accounts;
  INSERT INTO tag_accounts(tag_seq, account_id, customer_count)
    SELECT ct.tag_seq, c.account_id, count(*) FROM customer_tags ct JOIN customers c ON c.seq = ct.customer_seq
    GROUP BY ct.tag_seq, c.account_id;`;

/** Recomputes tag_pairs from scratch (migration 2, and the end of a bulk load). */
export const TAG_PAIRS_FILL = `
  DELETE FROM tag_pairs;
  INSERT INTO tag_pairs(low_seq, high_seq, customer_count)
    SELECT a.tag_seq, b.tag_seq, count(*) FROM customer_tags a
    JOIN customer_tags b ON b.customer_seq = a.customer_seq AND b.tag_seq > a.tag_seq
    GROUP BY a.tag_seq, b.tag_seq;`;

export const FTS_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts(rowid, name_fold) VALUES (new.seq, new.name_fold);
  END;
  CREATE TRIGGER IF NOT EXISTS customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name_fold) VALUES ('delete', old.seq, old.name_fold);
  END;
  CREATE TRIGGER IF NOT EXISTS customers_fts_update AFTER UPDATE OF name_fold ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name_fold) VALUES ('delete', old.seq, old.name_fold);
    INSERT INTO customers_fts(rowid, name_fold) VALUES (new.seq, new.name_fold);
  END;`;

export { DERIVED_TRIGGERS };

/**
 * What an empty database may drop for a bulk load and rebuild after it in one sorted
 * pass each (much faster than a million random inserts into every B-tree). Kept: the
 * primary keys, the unique id (a child's insert looks its parent up by id) and
 * customer_ancestors_up (it copies the parent's ancestor rows).
 */
export const BULK_INDEXES: readonly { name: string; create: string }[] = [
  ["customers_account_name", "customers(account_id, name_fold, id)"],
  ["customers_name", "customers(name_fold, id)"],
  ["customers_account", "customers(account_id, id)"],
  ["customers_parent", "customers(parent_id, id)"],
  ["customers_reference", "customers(reference_id, id)"],
  ["customers_staging", "customers(is_staging, id)"],
  ["customers_override_billing", "customers(override_billing_settings, id)"],
  ["customers_override_app", "customers(override_app_settings, id)"],
  ["customers_created", "customers(date_created, id)"],
  ["customers_modified", "customers(date_last_modified, id)"],
  ["customers_created_by", "customers(created_by, id)"],
  ["customers_modified_by", "customers(last_modified_by, id)"],
  ["customers_by_account_name", "customers(account_name, id)"],
  ["customer_tags_by_customer", "customer_tags(customer_seq, tag_seq)"],
].map(([name, on]) => ({ name: name!, create: `CREATE INDEX IF NOT EXISTS ${name} ON ${on}` }));

/** Triggers a bulk load drops; their names, parsed from the DDL above. */
export const BULK_TRIGGERS: readonly string[] = [
  ...(DERIVED_TRIGGERS + FTS_TRIGGERS + GRAM_COUNT_TRIGGERS + NAME_COUNT_TRIGGERS + TAG_PAIR_TRIGGERS).matchAll(
    /CREATE TRIGGER IF NOT EXISTS (\w+)/g,
  ),
].map((m) => m[1]!);

export const MIGRATIONS: readonly string[] = [
  /* 1: initial schema */ `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_account_id TEXT,
    twilio_account_sid TEXT,
    ancestor_ids TEXT,             -- JSON array
    max_phone_numbers INTEGER,
    is_byoa INTEGER,
    trust_hub_profile_sid TEXT,
    logo_id TEXT,
    logo_uri TEXT,
    billing_settings TEXT,         -- JSON
    date_created TEXT,
    date_last_modified TEXT,
    created_by TEXT,
    last_modified_by TEXT
  );

  CREATE TABLE customers (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    parent_id TEXT REFERENCES customers(id),
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    reference_id TEXT,
    is_staging INTEGER,
    override_billing_settings INTEGER,
    override_app_settings INTEGER,
    date_created TEXT,
    date_last_modified TEXT,
    created_by TEXT,
    last_modified_by TEXT,
    data TEXT,                     -- JSON Struct
    schedule TEXT,                 -- JSON Schedule
    integration_data TEXT,         -- JSON EntityIntegrationData
    billing_settings TEXT,         -- JSON BillingSettings
    app_settings TEXT              -- JSON AppSettings
  );
  CREATE INDEX customers_account_name ON customers(account_id, name_fold, id);
  CREATE INDEX customers_name ON customers(name_fold, id);
  CREATE INDEX customers_account ON customers(account_id, id);
  CREATE INDEX customers_parent ON customers(parent_id, id);
  CREATE INDEX customers_reference ON customers(reference_id, id);
  CREATE INDEX customers_staging ON customers(is_staging, id);
  CREATE INDEX customers_override_billing ON customers(override_billing_settings, id);
  CREATE INDEX customers_override_app ON customers(override_app_settings, id);
  CREATE INDEX customers_created ON customers(date_created, id);
  CREATE INDEX customers_modified ON customers(date_last_modified, id);
  CREATE INDEX customers_created_by ON customers(created_by, id);
  CREATE INDEX customers_modified_by ON customers(last_modified_by, id);

  CREATE TABLE customer_ancestors (
    ancestor_seq INTEGER NOT NULL REFERENCES customers(seq) ON DELETE CASCADE,
    customer_seq INTEGER NOT NULL REFERENCES customers(seq) ON DELETE CASCADE,
    depth INTEGER NOT NULL,        -- 0 = the customer itself, 1 = its parent, ...
    PRIMARY KEY (ancestor_seq, depth, customer_seq)
  ) WITHOUT ROWID;
  -- Breadcrumbs: a customer's ancestors in depth order.
  CREATE INDEX customer_ancestors_up ON customer_ancestors(customer_seq, depth, ancestor_seq);

  CREATE TABLE tags (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT,
    color TEXT
  );
  CREATE TABLE customer_tags (
    tag_seq INTEGER NOT NULL REFERENCES tags(seq) ON DELETE CASCADE,
    customer_seq INTEGER NOT NULL REFERENCES customers(seq) ON DELETE CASCADE,
    PRIMARY KEY (tag_seq, customer_seq)
  ) WITHOUT ROWID;
  -- The tags of a page of customers.
  CREATE INDEX customer_tags_by_customer ON customer_tags(customer_seq, tag_seq);

  CREATE VIRTUAL TABLE customers_fts USING fts5(
    name_fold, content='customers', content_rowid='seq',
    tokenize='trigram case_sensitive 1', detail=none
  );
  CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts(rowid, name_fold) VALUES (new.seq, new.name_fold);
  END;
  CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name_fold) VALUES ('delete', old.seq, old.name_fold);
  END;
  CREATE TRIGGER customers_fts_update AFTER UPDATE OF name_fold ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name_fold) VALUES ('delete', old.seq, old.name_fold);
    INSERT INTO customers_fts(rowid, name_fold) VALUES (new.seq, new.name_fold);
  END;

  CREATE TABLE users (
    username TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',        -- JSON array of Role
    account_ids TEXT NOT NULL DEFAULT '[]',  -- JSON array
    customer_id TEXT REFERENCES customers(id)
  );
  CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,               -- sha256 hex; the key itself is never stored
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    label TEXT,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX api_keys_user ON api_keys(username);
  `,

  /* 2: planning by size (issue 5) */ `
  -- The JSON documents are ~90% of a row's bytes, and only a page's 25 rows ever need them.
  -- Out of the way, the customers table is narrow enough to stay in cache, so per-row
  -- tests and candidate lookups of a million customers read memory, not the disk.
  CREATE TABLE customer_documents (
    seq INTEGER PRIMARY KEY REFERENCES customers(seq) ON DELETE CASCADE,
    data TEXT,                     -- JSON Struct
    schedule TEXT,                 -- JSON Schedule
    integration_data TEXT,         -- JSON EntityIntegrationData
    billing_settings TEXT,         -- JSON BillingSettings
    app_settings TEXT              -- JSON AppSettings
  );
  INSERT INTO customer_documents(seq, data, schedule, integration_data, billing_settings, app_settings)
    SELECT seq, data, schedule, integration_data, billing_settings, app_settings FROM customers;
  ALTER TABLE customers DROP COLUMN data;
  ALTER TABLE customers DROP COLUMN schedule;
  ALTER TABLE customers DROP COLUMN integration_data;
  ALTER TABLE customers DROP COLUMN billing_settings;
  ALTER TABLE customers DROP COLUMN app_settings;

  -- Sorting by account name walks an index instead of joining and sorting every row.
  ALTER TABLE customers ADD COLUMN account_name TEXT;
  UPDATE customers SET account_name = (SELECT name FROM accounts a WHERE a.id = customers.account_id);
  CREATE INDEX customers_by_account_name ON customers(account_name, id);

  -- Exact sizes without counting: the whole table, an account, a tag.
  ALTER TABLE accounts ADD COLUMN customer_count INTEGER NOT NULL DEFAULT 0;
  UPDATE accounts SET customer_count = (SELECT count(*) FROM customers c WHERE c.account_id = accounts.id);
  ALTER TABLE tags ADD COLUMN customer_count INTEGER NOT NULL DEFAULT 0;
  UPDATE tags SET customer_count = (SELECT count(*) FROM customer_tags ct WHERE ct.tag_seq = tags.seq);
  -- A Manager's tag filter: its count is a sum over the managed accounts.
  CREATE TABLE tag_accounts (
    tag_seq INTEGER NOT NULL REFERENCES tags(seq) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    customer_count INTEGER NOT NULL,
    PRIMARY KEY (tag_seq, account_id)
  ) WITHOUT ROWID;
  ${TAG_ACCOUNTS_FILL}
  -- Two tags at once ("VIP and Enterprise"): the count is one row, not an intersection of
  -- two posting lists. A customer with k tags adds k(k-1)/2 pairs.
  CREATE TABLE tag_pairs (
    low_seq INTEGER NOT NULL REFERENCES tags(seq) ON DELETE CASCADE,
    high_seq INTEGER NOT NULL REFERENCES tags(seq) ON DELETE CASCADE,
    customer_count INTEGER NOT NULL,
    PRIMARY KEY (low_seq, high_seq)
  ) WITHOUT ROWID;
  ${TAG_PAIRS_FILL}
  ${DERIVED_TRIGGERS}

  -- detail=full: a substring is an exact phrase of trigrams, so counts and probes need no
  -- recheck against the table.
  DROP TRIGGER customers_fts_insert;
  DROP TRIGGER customers_fts_delete;
  DROP TRIGGER customers_fts_update;
  DROP TABLE customers_fts;
  CREATE VIRTUAL TABLE customers_fts USING fts5(
    name_fold, content='customers', content_rowid='seq',
    tokenize='trigram case_sensitive 1', detail=full
  );
  INSERT INTO customers_fts(customers_fts) VALUES ('rebuild');
  ${FTS_TRIGGERS}

  -- Trigrams cannot find a 1–2 character substring. This index holds each name's distinct
  -- code points and pairs of adjacent code points as tokens ("u" + hex, "b" + hex + "x" +
  -- hex: ASCII, so no tokenizer splits or folds them), so a short needle is one token
  -- lookup. The tokens are computed in JavaScript (sqlite/names.ts) when a
  -- customer is inserted; contentless_delete lets a trigger drop a row by rowid alone.
  -- sqlite/store.ts fills it for customers that predate this migration.
  CREATE VIRTUAL TABLE customers_grams USING fts5(
    grams, content='', contentless_delete=1, detail=none, tokenize='ascii'
  );
  CREATE TRIGGER customers_grams_delete AFTER DELETE ON customers BEGIN
    DELETE FROM customers_grams WHERE rowid = old.seq;
  END;
  `,

  /* 3: the seed marks itself (issue 13) */ `
  -- 'seed' is 'started' before the seed's first row and 'complete' after its last, so a
  -- seed that died half way is told apart from a database that is ready.
  CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,

  /* 4: stored bodies (issue 11) */ `
  -- Each customer as the API sends it (JSON text, checked against the spec's CustomerInfo
  -- when written, and its CSV record): a page is spliced from these instead of being built
  -- per request. The tables above stay the source they are built from. A table of its
  -- own, so that a bulk load appends bodies in seq order instead of growing a million rows
  -- in place, and a page reads nothing else. migrate.ts fills it for older rows.
  CREATE TABLE customer_bodies (
    seq INTEGER PRIMARY KEY REFERENCES customers(seq) ON DELETE CASCADE,
    body TEXT NOT NULL,            -- JSON, CustomerInfo
    csv TEXT NOT NULL              -- its CSV record (customer-csv.ts), CRLF included
  );
  `,

  /* 5: stored counts for name filters, postings of tag pairs (issue 11): gram-counts.ts, name-counts.ts, tag-pairs.ts */
  GRAM_COUNTS_MIGRATION + NAME_COUNTS_MIGRATION + TAG_PAIRS_MIGRATION,
];
