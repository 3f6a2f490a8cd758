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
//   triggers, so a substring filter of 3+ characters never scans the table.
//   detail=none keeps it small; it cannot answer phrase queries, so the store ANDs the
//   trigrams and re-checks candidates with instr().
// - Every sortable column has an index ending in `id`, the tie-breaker, so ORDER BY +
//   LIMIT walks an index instead of sorting the table.

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
];
