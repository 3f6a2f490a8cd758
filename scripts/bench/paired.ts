// Ratios between two servers, measured as pairs taken back to back. On a shared machine
// the speed of everything drifts by tens of percent within a minute (the hypervisor's
// steal, neighbours), so two servers measured a quarter of a round apart can differ by
// the drift alone. Each pair is measured A B B A (or B A A B): a drift that is linear over
// the four slices cancels, and alternating which one starts cancels a fixed order effect.

export interface RatioEstimate {
  /** The geometric mean of the pairs' ratios. */
  ratio: number;
  /** Its 95% confidence interval (Student's t over the logs of the ratios). */
  low: number;
  high: number;
  pairs: number;
}

/**
 * x's rate over y's from `pairs` A B B A pairs, x first on even pairs and y first on odd
 * ones; `rate` measures one slice of one server. A pair's ratio sums both slices of each.
 */
export async function pairedRatio<T>(x: T, y: T, pairs: number, rate: (server: T) => Promise<number>): Promise<RatioEstimate> {
  const ratios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const xFirst = pair % 2 === 0;
    const rates: number[] = [];
    for (const server of xFirst ? [x, y, y, x] : [y, x, x, y]) rates.push(await rate(server));
    const [outer, inner] = [rates[0]! + rates[3]!, rates[1]! + rates[2]!];
    ratios.push(xFirst ? outer / inner : inner / outer);
  }
  return estimateRatio(ratios);
}

// Student's t, two-sided 95%, for 1 to 30 degrees of freedom; 1.96 beyond.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * Ratios combine by multiplying, so they are averaged as logs: a pair at 0.8 and one at
 * 1.25 average to 1. One pair gives no interval (low and high are the ratio).
 */
export function estimateRatio(ratios: readonly number[]): RatioEstimate {
  if (ratios.length === 0) throw new Error("no pairs to estimate a ratio from");
  const logs = ratios.map(Math.log);
  const n = logs.length;
  const mean = logs.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { ratio: Math.exp(mean), low: Math.exp(mean), high: Math.exp(mean), pairs: 1 };
  const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { ratio: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half), pairs: n };
}

/** "1.02 (0.97 to 1.07)" */
export const formatEstimate = (e: RatioEstimate) =>
  e.pairs > 1 ? `${e.ratio.toFixed(2)} (${e.low.toFixed(2)} to ${e.high.toFixed(2)})` : e.ratio.toFixed(2);
