// How names are folded and tokenized for the name filter: the same in JavaScript (at
// insert and at query time) and in the indexes, since SQLite folds only ASCII.

export { foldName } from "../fold.js";

/**
 * An FTS5 phrase query for a substring of 3+ code points: the needle as one FTS5 string
 * (a `"` doubled, so nothing in the filter is syntax). The trigram tokenizer turns it into
 * its consecutive trigrams, and detail=full matches them only at consecutive positions:
 * exactly the names that contain the needle.
 */
export function ftsPhrase(needle: string): string | undefined {
  if ([...needle].length < 3) return undefined; // code points: the trigram tokenizer counts those
  return `"${needle.replaceAll('"', '""')}"`;
}

const hex = (ch: string) => ch.codePointAt(0)!.toString(16);

/** The customers_grams tokens of a folded name: each distinct code point and adjacent pair. */
export function nameGrams(fold: string): string {
  const chars = [...fold];
  const grams = new Set<string>();
  for (let i = 0; i < chars.length; i++) {
    grams.add(`u${hex(chars[i]!)}`);
    if (i + 1 < chars.length) grams.add(`b${hex(chars[i]!)}x${hex(chars[i + 1]!)}`);
  }
  return [...grams].join(" ");
}

/** The customers_grams token of a 1–2 code point needle. */
export function gramToken(needle: string): string {
  const chars = [...needle];
  return chars.length === 1 ? `u${hex(chars[0]!)}` : `b${hex(chars[0]!)}x${hex(chars[1]!)}`;
}
