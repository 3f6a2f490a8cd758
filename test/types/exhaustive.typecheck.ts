// Proof by the compiler that the exhaustive switches over generated enums
// (server/store/sort-order.ts) fail to compile when the spec adds a value: once every
// value the switch names is ruled out, an added one is still there, so it is not `never`
// and `unreachable` rejects it. If `unreachable` accepted it, the expected error would go
// away and its directive would fail the typecheck.
import type { SortOrders } from "../../generated/schema.js";
import { isDescending, unreachable } from "../../server/store/sort-order.js";

export function withAddedValue(order: SortOrders | "Random"): void {
  if (order === "Ascend" || order === "Descend") return;
  // @ts-expect-error "Random" is left over: not handled, so not `never`.
  unreachable(order);
}

export function withEveryValue(order: SortOrders): void {
  if (order === "Ascend" || order === "Descend") return;
  unreachable(order);
}

// And the real switch takes every value the spec declares, no more.
isDescending("Descend");
// @ts-expect-error not a SortOrders value
isDescending("Random");
