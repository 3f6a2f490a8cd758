// PostgreSQL schema as ordered migrations: MIGRATIONS[i] is version i + 1, recorded in
// schema_migrations. Append new migrations; never edit a released one.
//
// Everything lives in one schema (SCHEMA), so `npm run seed -- --reset` is one DROP
// SCHEMA and the tables never collide with another application's in `public`.
//
// The same design as the SQLite store (sqlite/schema.ts), in PostgreSQL's terms:
// - Text columns that are compared or sorted use COLLATE "C": byte order of UTF-8, which is
//   code point order, as SQLite's BINARY. Both engines then sort every field identically,
//   whatever locale the server was initialised with.
// - `name_fold` is folded in JavaScript (server/store/sqlite/names.ts foldName), so both
//   engines match and sort names by the same rule; a pg_trgm GIN index on it answers
//   `LIKE '%needle%'` (3+ characters) without reading the table.
// - `customer_ancestors` is a closure table with a self row (depth 0): subtree, all
//   descendants and direct children are each one index range.
// - Every sortable column has a `(column NULLS FIRST, id)` index: SQLite sorts NULL first
//   ascending and last descending, and a backward scan of this index gives exactly that.
// - The JSON documents are text in a table of their own, with each customer's whole body
//   beside them: a page reads 25 bodies, while filters, sorts and counts touch only the
//   narrow customers table.
// - Per-account and per-tag counts are kept by statement-level triggers (they see a whole
//   COPY at once through transition tables), so common totals cost one row.

export const SCHEMA = "customers_api";

/** Secondary indexes a bulk load into an empty table drops and builds once at its end. */
export const BULK_INDEXES: readonly { name: string; create: string }[] = [
  ["customers_name", "customers (name_fold NULLS FIRST, id)"],
  ["customers_account_name", "customers (account_id, name_fold, id)"],
  ["customers_account", "customers (account_id NULLS FIRST, id)"],
  ["customers_parent", "customers (parent_id NULLS FIRST, id)"],
  ["customers_reference", "customers (reference_id NULLS FIRST, id)"],
  ["customers_staging", "customers (is_staging NULLS FIRST, id)"],
  ["customers_override_billing", "customers (override_billing_settings NULLS FIRST, id)"],
  ["customers_override_app", "customers (override_app_settings NULLS FIRST, id)"],
  ["customers_created", "customers (date_created NULLS FIRST, id)"],
  ["customers_modified", "customers (date_last_modified NULLS FIRST, id)"],
  ["customers_created_by", "customers (created_by NULLS FIRST, id)"],
  ["customers_modified_by", "customers (last_modified_by NULLS FIRST, id)"],
  ["customers_by_account_name", "customers (account_name NULLS FIRST, id)"],
  ["customers_name_trgm", "customers USING gin (name_fold gin_trgm_ops)"],
  ["customer_ancestors_up", "customer_ancestors (customer_seq, depth, ancestor_seq)"],
  ["customer_tags_by_customer", "customer_tags (customer_seq, tag_seq)"],
].map(([name, on]) => ({ name: name!, create: `CREATE INDEX IF NOT EXISTS ${name} ON ${on}` }));

/**
 * Foreign keys a bulk load drops and validates once at its end: checked per row, they
 * would cost an index probe each for millions of rows; validated after, one join each.
 */
export const BULK_FOREIGN_KEYS: readonly { table: string; name: string; definition: string }[] = [
  ["customers", "customers_account_fk", "FOREIGN KEY (account_id) REFERENCES accounts(id)"],
  ["customer_documents", "customer_documents_customer_fk", "FOREIGN KEY (seq) REFERENCES customers(seq) ON DELETE CASCADE"],
  ["customer_ancestors", "customer_ancestors_customer_fk", "FOREIGN KEY (customer_seq) REFERENCES customers(seq) ON DELETE CASCADE"],
  ["customer_tags", "customer_tags_tag_fk", "FOREIGN KEY (tag_seq) REFERENCES tags(seq) ON DELETE CASCADE"],
  ["customer_tags", "customer_tags_customer_fk", "FOREIGN KEY (customer_seq) REFERENCES customers(seq) ON DELETE CASCADE"],
].map(([table, name, definition]) => ({ table: table!, name: name!, definition: definition! }));

/**
 * Statement-level triggers that keep `counter.customer_count` in step with the rows of
 * `table`: a COPY of 5,000 rows is one UPDATE per distinct key, not 5,000.
 */
function countedBy(table: string, counter: string, key: string, column: string): string {
  const fn = `count_${table}`;
  const apply = (rows: string, sign: string) =>
    `UPDATE ${counter} x SET customer_count = x.customer_count ${sign} n.n
        FROM (SELECT ${column}, count(*) AS n FROM ${rows} GROUP BY ${column}) n WHERE x.${key} = n.${column};`;
  return `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      ${apply("new_rows", "+")}
    ELSE
      ${apply("old_rows", "-")}
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER ${table}_counted_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();
  CREATE TRIGGER ${table}_counted_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`;
}

export const MIGRATIONS: readonly string[] = [
  /* 1: initial schema */ `
  CREATE EXTENSION IF NOT EXISTS pg_trgm;

  CREATE TABLE accounts (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    document text NOT NULL,                  -- the AccountInfo as JSON
    customer_count integer NOT NULL DEFAULT 0
  );

  CREATE TABLE customers (
    seq integer PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    account_id text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C",              -- checked by the loader: it needs the parent's ancestors anyway
    name text NOT NULL,
    name_fold text COLLATE "C" NOT NULL,
    reference_id text COLLATE "C",
    is_staging boolean,
    override_billing_settings boolean,
    override_app_settings boolean,
    date_created text COLLATE "C",
    date_last_modified text COLLATE "C",
    created_by text COLLATE "C",
    last_modified_by text COLLATE "C",
    account_name text COLLATE "C"
  );
  CREATE SEQUENCE customer_seqs AS integer OWNED BY customers.seq;

  CREATE TABLE customer_documents (
    seq integer PRIMARY KEY,
    data text,
    schedule text,
    integration_data text,
    billing_settings text,
    app_settings text
  );

  CREATE TABLE customer_ancestors (
    ancestor_seq integer NOT NULL,
    customer_seq integer NOT NULL,
    depth integer NOT NULL,                  -- 0 = the customer itself, 1 = its parent, ...
    PRIMARY KEY (ancestor_seq, depth, customer_seq)
  );

  CREATE TABLE tags (
    seq integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    name text COLLATE "C",
    color text,
    customer_count integer NOT NULL DEFAULT 0
  );
  CREATE TABLE customer_tags (
    tag_seq integer NOT NULL,
    customer_seq integer NOT NULL,
    PRIMARY KEY (tag_seq, customer_seq)
  );

  ${BULK_INDEXES.map((i) => `${i.create};`).join("\n  ")}
  ${BULK_FOREIGN_KEYS.map((k) => `ALTER TABLE ${k.table} ADD CONSTRAINT ${k.name} ${k.definition};`).join("\n  ")}

  ${countedBy("customers", "accounts", "id", "account_id")}
  ${countedBy("customer_tags", "tags", "seq", "tag_seq")}

  CREATE FUNCTION rename_account() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE customers SET account_name = NEW.name WHERE account_id = NEW.id;
    RETURN NULL;
  END $$;
  CREATE TRIGGER accounts_renamed AFTER UPDATE OF name ON accounts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION rename_account();

  CREATE TABLE users (
    username text PRIMARY KEY,
    password_hash text NOT NULL,
    roles text NOT NULL DEFAULT '[]',        -- JSON array of Role
    account_ids text NOT NULL DEFAULT '[]',  -- JSON array
    customer_id text COLLATE "C" REFERENCES customers(id)
  );
  -- Usernames match case-insensitively (SQLite: COLLATE NOCASE).
  CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
  CREATE TABLE api_keys (
    key_hash text PRIMARY KEY,               -- sha256 hex; the key itself is never stored
    username text NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    label text,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX api_keys_user ON api_keys(username);

  -- 'seed' is 'started' before the seed's first row and 'complete' after its last.
  CREATE TABLE store_meta (
    key text PRIMARY KEY,
    value text NOT NULL
  );
  `,

  /* 2: stored bodies (issue 11) */ `
  -- Each customer as the API sends it (JSON text, checked against the spec's CustomerInfo
  -- when written): a page is spliced from these instead of being built per request. The
  -- columns above stay the source they are built from. migrate.ts fills older rows.
  ALTER TABLE customer_documents ADD COLUMN body text;
  -- A row with its body is over PostgreSQL's 2 kB default, which would compress (pglz)
  -- every body as it is written; kept inline whole, writing it costs no compression.
  ALTER TABLE customer_documents SET (toast_tuple_target = 8160);
  `,
];
