// Paging: previous and next, the totals when the server counts, and the two settings that
// change what a page is (its size, and simplified paging, which skips the counting).
import type { ListCustomersResponse } from "../../client/index.js";
import { byId } from "./dom.js";
import type { ViewState } from "./query.js";

type PagingState = Pick<ViewState, "page" | "countPerPage" | "simplifiedPaging">;

export interface Paging {
  render(state: ViewState, response: ListCustomersResponse | undefined): void;
}

export function setupPaging(onChange: (change: Partial<PagingState>) => void): Paging {
  const previous = byId<HTMLButtonElement>("previous");
  const next = byId<HTMLButtonElement>("next");
  const summary = byId<HTMLElement>("page-summary");
  const perPage = byId<HTMLInputElement>("per-page");
  const simplified = byId<HTMLInputElement>("simplified");
  let page = 0;

  previous.addEventListener("click", () => onChange({ page: Math.max(0, page - 1) }));
  next.addEventListener("click", () => onChange({ page: page + 1 }));
  // No bounds here: the spec's limits are the server's to enforce, and its 400 names the field.
  perPage.addEventListener("change", () => {
    const value = perPage.value.trim() === "" ? undefined : Number(perPage.value);
    onChange({ page: 0, countPerPage: value !== undefined && Number.isFinite(value) ? value : undefined });
  });
  simplified.addEventListener("change", () => onChange({ page: 0, simplifiedPaging: simplified.checked }));

  return {
    render(state, response) {
      page = state.page;
      simplified.checked = state.simplifiedPaging;
      previous.disabled = state.page === 0 || response === undefined;
      next.disabled = response?.hasMorePages !== true;
      if (response === undefined) {
        summary.textContent = "";
        return;
      }
      const shown = response.items.length;
      const { totalCount, totalPages } = response;
      // Simplified paging leaves the totals out: then only the page and its rows are known.
      summary.textContent =
        totalCount === undefined || totalPages === undefined
          ? `Page ${state.page + 1} · ${shown} shown`
          : `Page ${state.page + 1} of ${Math.max(totalPages, 1)} · ${totalCount} customer${totalCount === 1 ? "" : "s"}`;
    },
  };
}
