// The all-of tags filter as a planner term (planner.ts): its driver, its per-row test and
// what is known of its size, from the stored per-tag and per-pair counts.
import type { Reader, TracedStatement } from "./rows.js";
import type { Term } from "./sql.js";

const has = (seq: string) => `EXISTS (SELECT 1 FROM customer_tags x WHERE x.tag_seq = ? AND x.customer_seq = ${seq})`;
const hasPair = (seq: string) =>
  `EXISTS (SELECT 1 FROM customer_tag_pairs x WHERE x.low_seq = ? AND x.high_seq = ? AND x.customer_seq = ${seq})`;

/** Undefined when nobody carries all the tags. */
export function tagsTerm(db: Reader, ids: string[], total: number, trace?: TracedStatement[]): Term | undefined {
  const tags = db.all<{ seq: number; n: number }>(
    "tag sizes",
    `SELECT seq, customer_count AS n FROM tags
      WHERE id IN (SELECT value FROM json_each(?)) ORDER BY customer_count, seq`,
    [JSON.stringify(ids)],
    trace,
  );
  if (tags.length < ids.length) return undefined; // an unknown tag: nobody carries all of them
  const seqs = tags.map((t) => t.seq);
  if (tags.length === 1) {
    const [only] = tags as [{ seq: number; n: number }];
    if (only.n === 0) return undefined;
    return {
      kind: "tags",
      size: only.n,
      exact: true,
      seqOnly: true,
      tagSeqs: seqs,
      driver: { sql: `SELECT t.customer_seq AS seq FROM customer_tags t WHERE t.tag_seq = ?`, params: [only.seq] },
      test: (c) => has(`${c}.seq`),
      testParams: [only.seq],
    };
  }
  // Every pair of the tags, rarest first; one that nobody carries empties the filter.
  const pairs = db.all<{ low: number; high: number; n: number }>(
    "tag pair sizes",
    `SELECT low_seq AS low, high_seq AS high, customer_count AS n FROM tag_pairs
      WHERE low_seq IN (SELECT value FROM json_each(?)) AND high_seq IN (SELECT value FROM json_each(?)) AND customer_count > 0
      ORDER BY customer_count, low_seq, high_seq`,
    [JSON.stringify(seqs), JSON.stringify(seqs)],
    trace,
  );
  if (pairs.length < (seqs.length * (seqs.length - 1)) / 2) return undefined;
  const [{ low, high, n }] = pairs as [{ low: number; high: number; n: number }];
  // The rarest pair's range, each tag outside it a primary-key probe, rarest first.
  const others = tags.filter((t) => t.seq !== low && t.seq !== high);
  const params = [low, high, ...others.map((t) => t.seq)];
  const test = (seq: string) => [hasPair(seq), ...others.map(() => has(seq))].join(" AND ");
  return {
    kind: "tags",
    size: n,
    exact: others.length === 0,
    seqOnly: true,
    tagSeqs: seqs,
    ...(others.length ? { estimate: others.reduce((e, t) => e * (t.n / Math.max(1, total)), n) } : {}),
    driver: {
      sql: `SELECT p.customer_seq AS seq FROM customer_tag_pairs p WHERE p.low_seq = ? AND p.high_seq = ?${others.map(() => ` AND ${has("p.customer_seq")}`).join("")}`,
      params,
    },
    test: (c) => test(`${c}.seq`),
    testParams: params,
  };
}
