// What both engines decide the same way before any SQL: which accounts a query may read.
import type { CustomerQuery } from "./contract.js";

export const nonEmpty = (a: string[] | undefined): a is string[] => a !== undefined && a.length > 0;

/**
 * The accounts a query is limited to: the caller's accounts (an "accounts" scope) narrowed
 * by the accountIds filter, which never widens them. undefined: no account limit; an empty
 * list: nothing can match.
 */
export function accountsOf(q: CustomerQuery): string[] | undefined {
  let accounts = q.scope.kind === "accounts" ? [...new Set(q.scope.accountIds)] : undefined;
  if (nonEmpty(q.accountIds)) {
    const wanted = new Set(q.accountIds);
    accounts = accounts ? accounts.filter((a) => wanted.has(a)) : [...wanted];
  }
  return accounts;
}
