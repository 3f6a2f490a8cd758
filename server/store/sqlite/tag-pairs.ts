// Who carries each pair of tags: the posting list that tag_pairs (schema.ts) only counts.
// An all-of filter of two tags reads its matches as one index range, and one of three or
// more starts from its rarest pair, instead of testing every customer of the rarest
// single tag for each of the others. A customer with k tags has k(k−1)/2 rows.
//
// Part of migration 5 (schema.ts), kept by the triggers below; a bulk load drops them
// and refills the table at its end (bulk-load.ts). The filter that reads it: tag-term.ts.

export const TAG_PAIR_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS customer_tags_pairs_insert AFTER INSERT ON customer_tags BEGIN
    INSERT INTO customer_tag_pairs(low_seq, high_seq, customer_seq)
      SELECT min(new.tag_seq, ct.tag_seq), max(new.tag_seq, ct.tag_seq), new.customer_seq FROM customer_tags ct
      WHERE ct.customer_seq = new.customer_seq AND ct.tag_seq <> new.tag_seq;
  END;
  CREATE TRIGGER IF NOT EXISTS customer_tags_pairs_delete AFTER DELETE ON customer_tags BEGIN
    DELETE FROM customer_tag_pairs WHERE (low_seq, high_seq, customer_seq) IN
      (SELECT min(old.tag_seq, ct.tag_seq), max(old.tag_seq, ct.tag_seq), old.customer_seq FROM customer_tags ct
      WHERE ct.customer_seq = old.customer_seq);
  END;`;

/** Recomputes the table from scratch (migration 5, the end of a bulk load). */
export const TAG_PAIRS_POSTINGS_FILL = `
  DELETE FROM customer_tag_pairs;
  INSERT INTO customer_tag_pairs(low_seq, high_seq, customer_seq)
    SELECT a.tag_seq, b.tag_seq, a.customer_seq FROM customer_tags a
    JOIN customer_tags b ON b.customer_seq = a.customer_seq AND b.tag_seq > a.tag_seq
    ORDER BY 1, 2, 3;`;

export const TAG_PAIRS_MIGRATION = `
  -- No foreign keys: deleting a customer or a tag would search this table by a column
  -- its key does not start with. Both untag first (customer_tags' cascade and
  -- customers_untag), and the trigger above removes the pairs.
  CREATE TABLE customer_tag_pairs (
    low_seq INTEGER NOT NULL,      -- tags.seq, the lower of the two
    high_seq INTEGER NOT NULL,
    customer_seq INTEGER NOT NULL,
    PRIMARY KEY (low_seq, high_seq, customer_seq)
  ) WITHOUT ROWID;
  ${TAG_PAIRS_POSTINGS_FILL}
  ${TAG_PAIR_TRIGGERS}`;
