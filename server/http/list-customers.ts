// The ListCustomers and ListCustomersCsv handlers: the caller's scope, the filters, paging
// or streaming, JSON or CSV. Inputs and results are the generated types; a spec change
// that touches them fails to compile here.
import type { ListCustomersResponse } from "../../generated/schema.js";
import {
  type Handlers,
  JsonText,
  type ListCustomersInput,
  type ListCustomersJsonResult,
  type ListCustomersResult,
  streamJsonArray,
} from "../../generated/server.js";
import { scopeOf, type Caller } from "../auth/callers.js";
import { csvDisposition, customersCsv, customersCsvStream } from "./csv.js";
import { errorResponse } from "./error-body.js";
import type { CustomerQuery, CustomerStore, Scope } from "../store/contract.js";

type Query = ListCustomersInput<Caller>["query"];

/** A Manager may only name accounts it manages: naming another is 403, not an empty page. */
function foreignAccounts(scope: Scope, query: Query): string[] {
  if (scope.kind !== "accounts" || !query.accountIds) return [];
  return query.accountIds.filter((id) => !scope.accountIds.includes(id));
}

function toCustomerQuery(scope: Scope, query: Query): CustomerQuery {
  return {
    scope,
    ...(query.accountIds ? { accountIds: query.accountIds } : {}),
    ...(query.nameFilter ? { nameFilter: query.nameFilter } : {}),
    ...(query.parentCustomerIds ? { parentCustomerIds: query.parentCustomerIds, shallowParent: query.shallowParent } : {}),
    ...(query.tagIds ? { tagIds: query.tagIds } : {}),
    ...(query.specificIds ? { specificIds: query.specificIds } : {}),
    sortField: query.sortField,
    sortOrder: query.sortOrder,
  };
}

type Forbidden = Extract<ListCustomersResult, { status: 403 }>;

function forbiddenAccounts(ids: string[]): Forbidden {
  const list = ids.join(", ");
  return {
    status: 403,
    body: errorResponse("Forbidden", `Invalid Role: account ${list} is outside the accounts you manage`, {
      name: "accountIds",
      message: `accountIds names ${ids.length === 1 ? "an account" : "accounts"} you do not manage: ${list}`,
    }),
  };
}

/**
 * Runs a stream's query up to its first row before the handler returns, so a query that
 * fails does so while an error status can still be sent, not after a 200 and half a body.
 */
async function primed<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return (async function* () {
    try {
      for (let step = first; !step.done; step = await iterator.next()) yield step.value;
    } finally {
      // An aborted response stops here: let the source close its read connection.
      await iterator.return?.();
    }
  })();
}

async function csv(store: CustomerStore, q: CustomerQuery, query: Query) {
  const body = query.all
    ? customersCsvStream(await primed(store.streamCsv(q)))
    : customersCsv((await store.listPage(q, { page: query.page, countPerPage: query.countPerPage, count: false })).items);
  return { status: 200 as const, contentType: "text/csv" as const, body, headers: csvDisposition };
}

async function json(store: CustomerStore, q: CustomerQuery, query: Query): Promise<ListCustomersJsonResult> {
  if (query.all) {
    // Everything in one page: totals are what was streamed, known only at the end.
    const body = streamJsonArray<ListCustomersResponse, "items">("items", await primed(store.stream(q)), (count) =>
      query.simplifiedPaging ? { hasMorePages: false } : { totalCount: count, totalPages: count === 0 ? 0 : 1, hasMorePages: false },
    );
    return { status: 200, body };
  }
  const { page, countPerPage } = query;
  const result = await store.listPage(q, { page, countPerPage, count: !query.simplifiedPaging });
  // The page is spliced from the customers' stored bodies: nothing is parsed or rebuilt.
  if (query.simplifiedPaging || result.totalCount === undefined) {
    return { status: 200, body: JsonText.of<ListCustomersResponse>({ items: result.items, hasMorePages: result.hasMorePages }) };
  }
  return {
    status: 200,
    body: JsonText.of<ListCustomersResponse>({
      items: result.items,
      totalCount: result.totalCount,
      totalPages: Math.ceil(result.totalCount / countPerPage),
      hasMorePages: result.hasMorePages,
    }),
  };
}

export function listCustomersHandlers(store: CustomerStore): Handlers<Caller> {
  return {
    async listCustomers({ query, caller, accept }) {
      const scope = scopeOf(caller);
      const foreign = foreignAccounts(scope, query);
      if (foreign.length > 0) return forbiddenAccounts(foreign);
      const q = toCustomerQuery(scope, query);
      return accept === "text/csv" ? csv(store, q, query) : json(store, q, query);
    },
    async listCustomersJson({ query, caller }) {
      const scope = scopeOf(caller);
      const foreign = foreignAccounts(scope, query);
      if (foreign.length > 0) return forbiddenAccounts(foreign);
      return json(store, toCustomerQuery(scope, query), query);
    },
    async listCustomersCsv({ query, caller }) {
      const scope = scopeOf(caller);
      const foreign = foreignAccounts(scope, query);
      if (foreign.length > 0) return forbiddenAccounts(foreign);
      return csv(store, toCustomerQuery(scope, query), query);
    },
  };
}
