/**
 * The case-folded name that sorting and the name filter compare, on every engine.
 * JavaScript folds all of Unicode (SQLite only ASCII, PostgreSQL by locale); NFC makes a
 * decomposed "é" equal a composed one.
 */
export function foldName(s: string): string {
  return s.normalize("NFC").toLowerCase();
}
