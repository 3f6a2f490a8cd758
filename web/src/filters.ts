// The filter bar: name text, tag, account and parent pickers, and "direct children only"
// (shallowParent). Every change starts again from the first page.
import type { Catalog } from "./catalog.js";
import { byId, h } from "./dom.js";
import { createPicker, type Picker } from "./picker.js";
import type { ViewState } from "./query.js";

type FilterState = Pick<ViewState, "nameFilter" | "tagIds" | "accountIds" | "parentCustomerIds" | "shallowParent">;

export interface Filters {
  set(state: FilterState): void;
  refresh(): void;
}

// Typing pauses this long before a request, so a name is not fetched letter by letter.
const NAME_DELAY_MS = 300;

export function setupFilters(catalog: Catalog, onChange: (change: Partial<FilterState>) => void): Filters {
  const container = byId<HTMLElement>("filters");
  const name = h("input", { type: "search", id: "name-filter", placeholder: "Name contains…", autocomplete: "off" });
  const nameField = h("label", { class: "field", "data-param": "nameFilter" }, h("span", { class: "label" }, "Name"), name);
  let timer: ReturnType<typeof setTimeout> | undefined;
  name.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange({ nameFilter: name.value }), NAME_DELAY_MS);
  });

  const pickers: Picker[] = [];
  const picker = (field: "tagIds" | "accountIds" | "parentCustomerIds", label: string, placeholder: string, known: Catalog["tags"]) => {
    const created = createPicker({ field, label, placeholder, known, onChange: (ids) => onChange({ [field]: ids }) });
    pickers.push(created);
    return created;
  };
  const tags = picker("tagIds", "Tags (all of)", "Tag name or ID", catalog.tags);
  const accounts = picker("accountIds", "Accounts", "Account name or ID", catalog.accounts);
  const parents = picker("parentCustomerIds", "Parent", "Customer name or ID", catalog.customers);

  const shallow = h("input", { type: "checkbox", id: "shallow-parent" });
  shallow.addEventListener("change", () => onChange({ shallowParent: shallow.checked }));
  const shallowField = h("label", { class: "check", "data-param": "shallowParent" }, shallow, "direct children only");

  container.replaceChildren(nameField, tags.element, accounts.element, h("div", { class: "parent" }, parents.element, shallowField));

  return {
    set(state) {
      if (name.value !== state.nameFilter) name.value = state.nameFilter;
      tags.set(state.tagIds);
      accounts.set(state.accountIds);
      parents.set(state.parentCustomerIds);
      shallow.checked = state.shallowParent;
    },
    refresh() {
      for (const p of pickers) p.refresh();
    },
  };
}
