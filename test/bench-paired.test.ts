// The bench's target ratios come from A B B A pairs: the order must cancel a drift, and
// the estimate must be a ratio's average (logs), with an interval that narrows with pairs.
import { describe, expect, it } from "vitest";
import { estimateRatio, formatEstimate, pairedRatio } from "../scripts/bench/paired.js";

describe("pairedRatio", () => {
  it("alternates which server starts, and each pair measures both servers twice", async () => {
    const measured: string[] = [];
    await pairedRatio("x", "y", 2, async (server) => {
      measured.push(server);
      return 1;
    });
    expect(measured).toEqual(["x", "y", "y", "x", "y", "x", "x", "y"]);
  });

  it("cancels a speed that drifts linearly over the four slices", async () => {
    // x is truly 1.2 times y; the machine slows by 10% a slice, in both pairs.
    let slice = 0;
    const estimate = await pairedRatio(1.2, 1, 2, async (truth) => truth * 1000 * (1 - 0.1 * (slice++ % 4)));
    expect(estimate.ratio).toBeCloseTo(1.2, 10);
    // Both pairs read exactly 1.2, so there is no spread. Unpaired, x then y would read 1.2 * 1 / 0.9 = 1.33.
    expect(estimate.low).toBeCloseTo(1.2, 10);
    expect(estimate.high).toBeCloseTo(1.2, 10);
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
