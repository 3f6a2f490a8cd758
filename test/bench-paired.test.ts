// The bench's target ratios come from A B B A pairs: the order must cancel a drift, and
// the estimate must be a ratio's average (logs), with an interval that narrows with pairs.
import { describe, expect, it } from "vitest";
import { abbaOrder, estimateRatio, formatEstimate, pairRatio } from "../scripts/bench/paired.js";

describe("A B B A pairs", () => {
  it("alternate which server starts, and each measures both servers twice", () => {
    expect(abbaOrder(0, "x", "y")).toEqual(["x", "y", "y", "x"]);
    expect(abbaOrder(1, "x", "y")).toEqual(["y", "x", "x", "y"]);
  });

  it("cancel a speed that drifts linearly over the four slices", () => {
    // x is truly 1.2 times y; the machine slows by 10% a slice.
    const speed = (slice: number) => 1 - 0.1 * slice;
    for (const rep of [0, 1]) {
      const order = abbaOrder(rep, 1.2, 1);
      const rates = order.map((truth, slice) => truth * 1000 * speed(slice)) as [number, number, number, number];
      expect(pairRatio({ rates, xFirst: order[0] === 1.2 })).toBeCloseTo(1.2, 10);
    }
    // Without the pairing, x then y alone would read 1.2 * 0.9 / 1 = 1.33.
  });
});

describe("estimateRatio", () => {
  it("averages ratios as logs, so opposite ratios cancel", () => {
    expect(estimateRatio([0.8, 1.25]).ratio).toBeCloseTo(1, 10);
    expect(estimateRatio([2, 2, 2]).ratio).toBeCloseTo(2, 10);
  });

  it("gives a 95% interval around the estimate from Student's t, narrower with more pairs", () => {
    const few = estimateRatio([0.9, 1.1, 1.0, 1.05]);
    expect(few.low).toBeLessThan(few.ratio);
    expect(few.high).toBeGreaterThan(few.ratio);
    // logs of [0.9, 1.1, 1.0, 1.05]: mean 0.00968, sd 0.08600; t(3) = 3.182
    expect(Math.log(few.high / few.ratio)).toBeCloseTo((3.182 * 0.086) / 2, 4);
    const many = estimateRatio([0.9, 1.1, 1.0, 1.05, 0.9, 1.1, 1.0, 1.05]);
    expect(many.high / many.low).toBeLessThan(few.high / few.low);
    expect(estimateRatio([1.3, 1.3, 1.3])).toMatchObject({ low: expect.closeTo(1.3, 10), high: expect.closeTo(1.3, 10) });
  });

  it("reports one pair without an interval, and refuses none", () => {
    expect(formatEstimate(estimateRatio([1.5]))).toBe("1.50");
    expect(formatEstimate(estimateRatio([1, 1.21]))).toMatch(/^1\.10 \(\d\.\d\d to \d\.\d\d\)$/);
    expect(() => estimateRatio([])).toThrow(/no pairs/);
  });
});
