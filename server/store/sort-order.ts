// The sort direction, decided by a switch over the generated SortOrders enum with no
// fallback: a value added to the spec is a compile error here (and in every engine that
// calls this), not a sort that silently runs ascending.
import type { SortOrders } from "../../generated/schema.js";

/** For the `default:` of a switch that handled every value: `value` has type never there. */
export function unreachable(value: never): never {
  throw new Error(`unhandled enum value: ${String(value)}`);
}

export function isDescending(order: SortOrders): boolean {
  switch (order) {
    case "Ascend":
      return false;
    case "Descend":
      return true;
    default:
      return unreachable(order);
  }
}
