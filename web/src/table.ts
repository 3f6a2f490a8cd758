// The customers table: sort buttons in the headers, one row per customer. Account names,
// breadcrumb steps and tags are buttons that add themselves to the filters.
import type { CustomerInfo } from "../../client/index.js";
import { COLUMNS, shortDate, SORTS, sortsOf, type ColumnKey } from "./columns.js";
import { byId, h, type Child } from "./dom.js";
import type { SortField, SortOrders, ViewState } from "./query.js";
import { tagChip } from "./tag-colors.js";

export interface TableActions {
  onSort(field: SortField): void;
  onFilter(change: Partial<Pick<ViewState, "tagIds" | "accountIds" | "parentCustomerIds">>): void;
}

const ORDER: Record<SortOrders, { readonly arrow: string; readonly aria: "ascending" | "descending" }> = {
  Ascend: { arrow: "▲", aria: "ascending" },
  Descend: { arrow: "▼", aria: "descending" },
};

export interface Table {
  render(items: readonly CustomerInfo[], state: ViewState): void;
}

export function setupTable(actions: TableActions): Table {
  const table = byId<HTMLTableElement>("customers");
  const headRow = h("tr");
  const body = h("tbody");
  table.replaceChildren(h("thead", {}, headRow), body);
  let state: ViewState | undefined;

  const sortButton = (field: SortField, label: string) => {
    const button = h("button", { type: "button", class: "sort", "data-sort": field, title: `Sort by ${field}` }, label);
    button.addEventListener("click", () => actions.onSort(field));
    return button;
  };
  const renderHead = () => {
    headRow.replaceChildren(
      ...COLUMNS.map(({ key, title }) => {
        const fields = sortsOf(key);
        const active = fields.find((field) => field === state?.sortField);
        const order = active ? ORDER[state?.sortOrder ?? "Ascend"] : undefined;
        const th = h("th", { scope: "col", "data-column": key, "aria-sort": order?.aria });
        const only = fields.length === 1 ? fields[0] : undefined;
        // A column with one sort field is its own button; others list theirs under the title.
        if (only) th.append(sortButton(only, title));
        else if (fields.length > 0)
          th.append(
            h("span", { class: "title" }, title),
            h(
              "span",
              { class: "sorts" },
              fields.map((f) => sortButton(f, SORTS[f].label)),
            ),
          );
        else th.append(title);
        for (const button of Array.from(th.querySelectorAll<HTMLButtonElement>("button.sort"))) {
          const isActive = button.dataset.sort === active;
          button.setAttribute("aria-pressed", String(isActive));
          if (isActive && order) button.append(h("span", { class: "arrow", "aria-hidden": "true" }, ` ${order.arrow}`));
        }
        return th;
      }),
    );
  };

  const filterButton = (label: string, title: string, change: Parameters<TableActions["onFilter"]>[0], className = "link") => {
    const button = h("button", { type: "button", class: className, title }, label);
    button.addEventListener("click", () => actions.onFilter(change));
    return button;
  };
  const add = (list: readonly string[] | undefined, id: string) => (list?.includes(id) ? [...list] : [...(list ?? []), id]);

  const cells: Record<ColumnKey, (c: CustomerInfo) => Child | Child[]> = {
    customer: (c) => [
      h("div", { class: "primary", "data-field": "name" }, c.name),
      h("div", { class: "secondary" }, [c.referenceId, c.id].filter(Boolean).join(" · ")),
    ],
    account: (c) => [
      filterButton(c.accountName ?? c.accountId, `Only account ${c.accountId}`, { accountIds: add(state?.accountIds, c.accountId) }),
      h("div", { class: "secondary" }, c.accountId),
    ],
    parent: (c) => {
      const steps = c.breadcrumb ?? [];
      if (steps.length === 0) return h("span", { class: "muted" }, "—");
      return h(
        "nav",
        { class: "breadcrumb", "aria-label": `Parents of ${c.name}` },
        steps.flatMap((step, i) => [
          i > 0 ? h("span", { class: "sep", "aria-hidden": "true" }, "›") : null,
          step.id
            ? filterButton(step.name ?? step.id, `Only customers under ${step.id}`, {
                parentCustomerIds: add(state?.parentCustomerIds, step.id),
              })
            : step.name,
        ]),
      );
    },
    tags: (c) =>
      h(
        "span",
        { class: "tags" },
        (c.tags ?? []).map((tag) => {
          const chip = tagChip(tag, "button");
          if (tag.id) {
            const id = tag.id;
            chip.addEventListener("click", () => actions.onFilter({ tagIds: add(state?.tagIds, id) }));
          }
          return chip;
        }),
      ),
    staging: (c) =>
      c.isStaging ? h("span", { class: "badge staging" }, "staging") : h("span", { class: "badge production" }, "production"),
    overrides: (c) => {
      const on = [c.overrideBillingSettings ? "billing" : null, c.overrideAppSettings ? "app" : null].filter(
        (x): x is string => x !== null,
      );
      return on.length === 0 ? h("span", { class: "muted" }, "—") : on.map((what) => h("span", { class: "badge" }, what));
    },
    created: (c) => [
      h("time", { datetime: c.dateCreated, "data-field": "dateCreated" }, shortDate(c.dateCreated)),
      h("div", { class: "secondary" }, c.createdBy),
    ],
    modified: (c) => [
      h("time", { datetime: c.dateLastModified, "data-field": "dateLastModified" }, shortDate(c.dateLastModified)),
      h("div", { class: "secondary" }, c.lastModifiedBy),
    ],
  };

  return {
    render(items, next) {
      state = next;
      renderHead();
      body.replaceChildren(
        ...items.map((c) =>
          h(
            "tr",
            { "data-id": c.id },
            COLUMNS.map(({ key }) => h("td", { "data-column": key }, cells[key](c))),
          ),
        ),
      );
      if (items.length === 0) body.append(h("tr", { class: "empty" }, h("td", { colspan: COLUMNS.length }, "No customers match.")));
    },
  };
}
