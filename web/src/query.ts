// What the page asks for: the filters, the sort and the page, turned into the generated
// client's query. Names and types are the spec's, so a renamed parameter fails to compile.
import type { ListCustomersQuery } from "../../client/index.js";
import type { SortOrders } from "../../generated/schema.js";

export type SortField = NonNullable<ListCustomersQuery["sortField"]>;
export type { SortOrders };

export interface ViewState {
  nameFilter: string;
  tagIds: string[];
  accountIds: string[];
  parentCustomerIds: string[];
  shallowParent: boolean;
  /** Unset: the server's default order. */
  sortField?: SortField;
  sortOrder?: SortOrders;
  page: number;
  /** Unset: the server's default page size. */
  countPerPage?: number;
  simplifiedPaging: boolean;
}

export function initialState(): ViewState {
  return { nameFilter: "", tagIds: [], accountIds: [], parentCustomerIds: [], shallowParent: false, page: 0, simplifiedPaging: false };
}

/** The filters and sort alone: what a CSV download of "the current filter" sends. */
export function filterQuery(state: ViewState): ListCustomersQuery {
  const query: ListCustomersQuery = {};
  if (state.nameFilter.trim() !== "") query.nameFilter = state.nameFilter.trim();
  if (state.tagIds.length > 0) query.tagIds = state.tagIds;
  if (state.accountIds.length > 0) query.accountIds = state.accountIds;
  if (state.parentCustomerIds.length > 0) {
    query.parentCustomerIds = state.parentCustomerIds;
    if (state.shallowParent) query.shallowParent = true;
  }
  if (state.sortField) query.sortField = state.sortField;
  if (state.sortOrder) query.sortOrder = state.sortOrder;
  return query;
}

export function pageQuery(state: ViewState): ListCustomersQuery {
  const query = filterQuery(state);
  query.page = state.page;
  if (state.countPerPage !== undefined) query.countPerPage = state.countPerPage;
  if (state.simplifiedPaging) query.simplifiedPaging = true;
  return query;
}

const ORDER_AFTER: Record<SortOrders, SortOrders> = { Ascend: "Descend", Descend: "Ascend" };

/** A click on a sort header: a new field sorts ascending, the current one flips. */
export function toggleSort(state: ViewState, field: SortField): Pick<ViewState, "sortField" | "sortOrder"> {
  if (state.sortField !== field) return { sortField: field, sortOrder: "Ascend" };
  return { sortField: field, sortOrder: ORDER_AFTER[state.sortOrder ?? "Ascend"] };
}
