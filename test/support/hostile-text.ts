// Text no well-behaved client sends: control characters, and lone surrogates (not valid
// UTF-16), with the bytes a sloppy client would put in a URL for them.
import fc from "fast-check";

// Unicode's control characters (category Cc): C0, DEL and C1.
const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
/** Text with at least one control character somewhere in it. */
export const withControl = fc
  .tuple(fc.string({ maxLength: 8 }), control, fc.string({ unit: "grapheme", maxLength: 8 }))
  .map(([a, c, b]) => `${a}${c}${b}`);
/** Text with at least one half of a surrogate pair on its own: not valid UTF-16. */
export const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 6 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 6 }))
  .map(([a, u, b]) => `${a}${String.fromCharCode(u)}${b}`);

/** Injection attempts, wildcards, odd Unicode and the above: what a parameter must survive. */
export const hostileText = fc.oneof(
  fc.constantFrom(
    "' OR 1=1 --",
    "'; DROP TABLE customers; --",
    "%",
    "%%",
    "_",
    "\\",
    "\\%",
    '"',
    "\u0000",
    "NaN",
    "[]",
    "[,]",
    "{}",
    "🙂",
    "Ω≈ç√",
    "abc\u0000def",
    "\ud800",
    "ab\udc00cd",
  ),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  withControl,
  withLoneSurrogate,
);

/**
 * Percent-encodes the UTF-8 bytes of the text; a lone surrogate, which has no UTF-8, as the
 * bytes a sloppy client writes for it (WTF-8), where encodeURIComponent would throw.
 */
export function percentEncode(text: string): string {
  let out = "";
  for (const part of text.match(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g) ?? []) {
    const code = part.charCodeAt(0);
    if (part.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(part);
  }
  return out;
}
