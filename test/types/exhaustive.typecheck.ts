// Proof by the compiler that a switch over a generated enum fails to compile when the
// spec adds a value: the same switch as server/store/sort-order.ts, over SortOrders plus
// a value a designer might add. If `unreachable` stopped demanding `never`, the expected
// error below would go away, and its directive would then fail the typecheck.
import type { SortOrders } from "../../generated/schema.js";
import { isDescending, unreachable } from "../../server/store/sort-order.js";

export function withAddedValue(order: SortOrders | "Random"): boolean {
  switch (order) {
    case "Ascend":
      return false;
    case "Descend":
      return true;
    default:
      // @ts-expect-error "Random" reaches the default: not handled, so not `never`.
      return unreachable(order);
  }
}

// And the real switch takes every value the spec declares, no more.
isDescending("Descend");
// @ts-expect-error not a SortOrders value
isDescending("Random");
