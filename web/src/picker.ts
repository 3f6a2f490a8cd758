// A multi-value picker for IDs: chosen values as removable chips, and a text box with
// suggestions (a datalist of the names seen so far) that also takes a typed ID.
import type { Known } from "./catalog.js";
import { h } from "./dom.js";
import { tagChip } from "./tag-colors.js";

export interface PickerOptions {
  /** The query parameter it fills, used to show a field error next to it. */
  readonly field: string;
  readonly label: string;
  readonly placeholder: string;
  readonly known: ReadonlyMap<string, Known>;
  readonly onChange: (ids: string[]) => void;
}

export interface Picker {
  readonly element: HTMLElement;
  set(ids: readonly string[]): void;
  /** Rebuilds the suggestions from `known`. */
  refresh(): void;
}

let counter = 0;

export function createPicker(options: PickerOptions): Picker {
  const listId = `picker-${++counter}`;
  let ids: string[] = [];
  const chips = h("span", { class: "chips" });
  const datalist = h("datalist", { id: listId });
  const input = h("input", {
    type: "text",
    list: listId,
    placeholder: options.placeholder,
    "aria-label": options.label,
    autocomplete: "off",
  });
  const element = h(
    "div",
    { class: "picker", "data-param": options.field },
    h("span", { class: "label" }, options.label),
    chips,
    input,
    datalist,
  );

  const renderChips = () => {
    chips.replaceChildren(
      ...ids.map((id) => {
        const known = options.known.get(id);
        const chip = known?.tag ? tagChip(known.tag) : h("span", { class: "chip", title: id }, known?.label ?? id);
        const remove = h("button", { type: "button", class: "remove", "aria-label": `Remove ${known?.label ?? id}` }, "×");
        remove.addEventListener("click", () => {
          ids = ids.filter((other) => other !== id);
          renderChips();
          options.onChange(ids);
        });
        chip.append(remove);
        return chip;
      }),
    );
  };

  // A suggestion is offered as "name (id)" so names that repeat stay apart; the ID is what counts.
  const idOf = (text: string) => /\(([^()\s]+)\)$/.exec(text)?.[1] ?? text;
  const add = () => {
    const id = idOf(input.value.trim());
    input.value = "";
    if (id === "" || ids.includes(id)) return;
    ids = [...ids, id];
    renderChips();
    options.onChange(ids);
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add();
    }
  });
  // Choosing a datalist entry fires `input` without a key press.
  input.addEventListener("input", (event) => {
    if (!(event instanceof InputEvent) || event.inputType === "insertReplacementText") {
      if (options.known.has(idOf(input.value.trim()))) add();
    }
  });
  input.addEventListener("change", () => {
    if (input.value.trim() !== "") add();
  });

  return {
    element,
    set(next) {
      ids = [...next];
      renderChips();
    },
    refresh() {
      const entries = [...options.known.values()].sort((a, b) => a.label.localeCompare(b.label));
      datalist.replaceChildren(...entries.map((known) => h("option", { value: `${known.label} (${known.id})` })));
      renderChips();
    },
  };
}
