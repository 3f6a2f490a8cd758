// Deterministic randomness for the demo data: a seeded PRNG and the helpers that draw
// from it, so the same seed always yields the same data.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A bijection on 32-bit integers (every step is invertible), so distinct inputs stay distinct. */
export function scramble(x: number): number {
  x = Math.imul(x >>> 0, 0x9e3779b1) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) >>> 0;
}

/**
 * `prefix_` and the scramble of n in base 36, padded to 7 characters: unique per n, not in
 * insertion order, and always of the spec's id form (3 letters, `_`, 4 to 24 characters).
 */
export function scrambledId(prefix: string, n: number): string {
  return `${prefix}_${scramble(n).toString(36).padStart(7, "0")}`;
}

export function pick<T>(rng: () => number, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)]!;
}

export function pickWeighted(rng: () => number, weights: readonly number[]): number {
  let r = rng() * weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < weights.length; k++) {
    r -= weights[k]!;
    if (r < 0) return k;
  }
  return weights.length - 1;
}

export function pickDistinct<T>(rng: () => number, list: readonly T[], count: number): T[] {
  const pool = [...list];
  const out: T[] = [];
  while (out.length < count && pool.length) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return out;
}

export function randomChars(rng: () => number, length: number, alphabet: string): string {
  let s = "";
  for (let k = 0; k < length; k++) s += alphabet[Math.floor(rng() * alphabet.length)];
  return s;
}

export const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
