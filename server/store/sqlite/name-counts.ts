// The distinct names, each with how many customers bear it, in all, per tag and per
// account: an exact count of a substring filter sums over the distinct names that
// match (a trigram index of its own, customer_names_fts) instead of visiting every
// matching customer. Branches and franchises repeat names ("Copper Canyon Dental"), so
// there are several times fewer names than customers; with no repeats at all, a count
// costs about what counting customers did.
//
// Part of migration 5 (schema.ts), kept by the triggers below; a bulk load drops them
// and refills the tables at its end (bulk-load.ts).

/** Adds one customer's name (`c`: `new` or `old`) to the counts with `sign` +1 or −1. */
function step(c: "new" | "old", sign: "+" | "-"): string {
  const name = `(SELECT seq FROM customer_names WHERE name_fold = ${c}.name_fold)`;
  if (sign === "+") {
    return `
    INSERT INTO customer_names(name_fold, customer_count) VALUES (${c}.name_fold, 1)
      ON CONFLICT(name_fold) DO UPDATE SET customer_count = customer_count + 1;
    INSERT INTO account_names(account_id, name_seq, customer_count) SELECT ${c}.account_id, ${name}, 1 WHERE true
      ON CONFLICT(name_seq, account_id) DO UPDATE SET customer_count = customer_count + 1;
    INSERT INTO tag_names(tag_seq, name_seq, customer_count)
      SELECT tag_seq, ${name}, 1 FROM customer_tags WHERE customer_seq = ${c}.seq
      ON CONFLICT(name_seq, tag_seq) DO UPDATE SET customer_count = customer_count + 1;`;
  }
  // Rows that reach zero go, so renames and deletes leave no dead names in the index.
  return `
    UPDATE tag_names SET customer_count = customer_count - 1
      WHERE name_seq = ${name} AND tag_seq IN (SELECT tag_seq FROM customer_tags WHERE customer_seq = ${c}.seq);
    DELETE FROM tag_names WHERE name_seq = ${name} AND customer_count = 0
      AND tag_seq IN (SELECT tag_seq FROM customer_tags WHERE customer_seq = ${c}.seq);
    UPDATE account_names SET customer_count = customer_count - 1 WHERE account_id = ${c}.account_id AND name_seq = ${name};
    DELETE FROM account_names WHERE account_id = ${c}.account_id AND name_seq = ${name} AND customer_count = 0;
    UPDATE customer_names SET customer_count = customer_count - 1 WHERE name_fold = ${c}.name_fold;
    DELETE FROM customer_names WHERE name_fold = ${c}.name_fold AND customer_count = 0;`;
}

/** The tag's count for the customer's name (`t`: `new` or `old` customer_tags row). */
function tagStep(t: "new" | "old", sign: "+" | "-"): string {
  const name = `(SELECT n.seq FROM customers c JOIN customer_names n ON n.name_fold = c.name_fold WHERE c.seq = ${t}.customer_seq)`;
  return sign === "+"
    ? `
    INSERT INTO tag_names(tag_seq, name_seq, customer_count) SELECT ${t}.tag_seq, ${name}, 1 WHERE true
      ON CONFLICT(name_seq, tag_seq) DO UPDATE SET customer_count = customer_count + 1;`
    : `
    UPDATE tag_names SET customer_count = customer_count - 1 WHERE tag_seq = ${t}.tag_seq AND name_seq = ${name};
    DELETE FROM tag_names WHERE tag_seq = ${t}.tag_seq AND name_seq = ${name} AND customer_count = 0;`;
}

/**
 * A customer is untagged before it is deleted (schema.ts, customers_untag), so its tags
 * leave tag_names through customer_tags' trigger while its name can still be looked up.
 * An update adds the new state before it removes the old, so a name both lose and gain
 * never drops to zero in between.
 */
export const NAME_COUNT_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS customer_names_fts_insert AFTER INSERT ON customer_names BEGIN
    INSERT INTO customer_names_fts(rowid, name_fold) VALUES (new.seq, new.name_fold);
  END;
  CREATE TRIGGER IF NOT EXISTS customer_names_fts_delete AFTER DELETE ON customer_names BEGIN
    INSERT INTO customer_names_fts(customer_names_fts, rowid, name_fold) VALUES ('delete', old.seq, old.name_fold);
  END;
  CREATE TRIGGER IF NOT EXISTS customers_names_insert AFTER INSERT ON customers BEGIN${step("new", "+")}
  END;
  CREATE TRIGGER IF NOT EXISTS customers_names_delete AFTER DELETE ON customers BEGIN${step("old", "-")}
  END;
  CREATE TRIGGER IF NOT EXISTS customers_names_update AFTER UPDATE OF name_fold, account_id ON customers BEGIN${step("new", "+")}${step("old", "-")}
  END;
  CREATE TRIGGER IF NOT EXISTS customer_tags_names_insert AFTER INSERT ON customer_tags BEGIN${tagStep("new", "+")}
  END;
  CREATE TRIGGER IF NOT EXISTS customer_tags_names_delete AFTER DELETE ON customer_tags BEGIN${tagStep("old", "-")}
  END;`;

/** Recounts from scratch, with the triggers above not yet in place (migration 5, the end of a bulk load). */
export const NAME_COUNTS_FILL = `
  DELETE FROM tag_names;
  DELETE FROM account_names;
  DELETE FROM customer_names;
  INSERT INTO customer_names(name_fold, customer_count) SELECT name_fold, count(*) FROM customers GROUP BY name_fold;
  INSERT INTO customer_names_fts(customer_names_fts) VALUES ('rebuild');
  INSERT INTO account_names(account_id, name_seq, customer_count)
    SELECT c.account_id, n.seq, count(*) FROM customers c JOIN customer_names n ON n.name_fold = c.name_fold
    GROUP BY n.seq, c.account_id;
  INSERT INTO tag_names(tag_seq, name_seq, customer_count)
    SELECT ct.tag_seq, n.seq, count(*) FROM customer_tags ct JOIN customers c ON c.seq = ct.customer_seq
    JOIN customer_names n ON n.name_fold = c.name_fold
    GROUP BY n.seq, ct.tag_seq;`;

export const NAME_COUNTS_MIGRATION = `
  CREATE TABLE customer_names (
    seq INTEGER PRIMARY KEY,
    name_fold TEXT NOT NULL UNIQUE,
    customer_count INTEGER NOT NULL
  );
  -- As customers_fts (schema.ts): a substring is an exact phrase of trigrams.
  CREATE VIRTUAL TABLE customer_names_fts USING fts5(
    name_fold, content='customer_names', content_rowid='seq',
    tokenize='trigram case_sensitive 1', detail=full
  );
  -- Keyed by name first: a count probes the matching names in ascending order, so the
  -- probes of one query read neighbouring pages.
  CREATE TABLE tag_names (
    tag_seq INTEGER NOT NULL REFERENCES tags(seq) ON DELETE CASCADE,
    name_seq INTEGER NOT NULL,     -- customer_names.seq
    customer_count INTEGER NOT NULL,
    PRIMARY KEY (name_seq, tag_seq)
  ) WITHOUT ROWID;
  CREATE TABLE account_names (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name_seq INTEGER NOT NULL,     -- customer_names.seq
    customer_count INTEGER NOT NULL,
    PRIMARY KEY (name_seq, account_id)
  ) WITHOUT ROWID;
  ${NAME_COUNTS_FILL}
  ${NAME_COUNT_TRIGGERS}`;
