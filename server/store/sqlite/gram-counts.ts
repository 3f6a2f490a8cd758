// How many customers' names hold each customers_grams token (a code point, or two adjacent
// ones): the exact count of a 1–2 character name filter is one row, not a walk of a
// posting list that a broad needle ("de": an eighth of all names) makes long.
//
// The table is migration 5 (schema.ts), kept by triggers. SQL computes a name's tokens
// here the way names.ts does in JavaScript: substr() and unicode() count code points,
// as the spread of a JavaScript string does, and printf('%x') is toString(16).

/** The distinct tokens of the folded name `f` (an SQL expression), as rows of `gram`. Tests compare it with nameGrams. */
export function gramsOf(f: string): string {
  // json_each over a list of length(f) zeros is a series 0 … length − 1 (its keys):
  // trigger bodies may not use a WITH clause.
  const positions = (n: string) => `json_each('[' || substr(replace(hex(zeroblob(${n})), '00', ',0'), 2) || ']')`;
  const cp = (at: string) => `printf('%x', unicode(substr(${f}, ${at}, 1)))`;
  return `SELECT 'u' || ${cp("k.key + 1")} AS gram FROM ${positions(`length(${f})`)} k
    UNION SELECT 'b' || ${cp("k.key + 1")} || 'x' || ${cp("k.key + 2")} FROM ${positions(`max(length(${f}) - 1, 0)`)} k`;
}

/** A bulk load drops these with the other derived triggers and refills the table at its end. */
export const GRAM_COUNT_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS customers_gram_counts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO name_gram_counts(gram, customer_count) SELECT gram, 1 FROM (${gramsOf("new.name_fold")}) WHERE true
      ON CONFLICT(gram) DO UPDATE SET customer_count = customer_count + 1;
  END;
  CREATE TRIGGER IF NOT EXISTS customers_gram_counts_delete AFTER DELETE ON customers BEGIN
    UPDATE name_gram_counts SET customer_count = customer_count - 1 WHERE gram IN (${gramsOf("old.name_fold")});
  END;
  -- A rename re-tokenizes the name in customers_grams too (until this migration nothing did).
  CREATE TRIGGER IF NOT EXISTS customers_gram_counts_update AFTER UPDATE OF name_fold ON customers BEGIN
    DELETE FROM customers_grams WHERE rowid = old.seq;
    INSERT INTO customers_grams(rowid, grams) SELECT new.seq, group_concat(gram, ' ') FROM (${gramsOf("new.name_fold")});
    UPDATE name_gram_counts SET customer_count = customer_count - 1 WHERE gram IN (${gramsOf("old.name_fold")});
    INSERT INTO name_gram_counts(gram, customer_count) SELECT gram, 1 FROM (${gramsOf("new.name_fold")}) WHERE true
      ON CONFLICT(gram) DO UPDATE SET customer_count = customer_count + 1;
  END;`;

/**
 * Recounts from the grams index itself (migration 5, and the end of a bulk load):
 * fts5vocab reads each token's document count off its posting list, deleted rows left
 * out, in under a second at a million names (tokenizing each name again, in SQL or in
 * JavaScript, takes several).
 */
export const GRAM_COUNTS_FILL = `
  CREATE VIRTUAL TABLE IF NOT EXISTS temp.customers_grams_vocab USING fts5vocab(main, customers_grams, row);
  DELETE FROM name_gram_counts;
  INSERT INTO name_gram_counts(gram, customer_count) SELECT term, doc FROM temp.customers_grams_vocab WHERE doc > 0;
  DROP TABLE temp.customers_grams_vocab;`;

export const GRAM_COUNTS_MIGRATION = `
  CREATE TABLE name_gram_counts (
    gram TEXT PRIMARY KEY,         -- a customers_grams token (sqlite/names.ts)
    customer_count INTEGER NOT NULL
  ) WITHOUT ROWID;
  ${GRAM_COUNTS_FILL}
  ${GRAM_COUNT_TRIGGERS}`;
