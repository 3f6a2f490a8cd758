// Ant Design's preset palette, which TagColors is named after: text, background and border
// per colour. A Record over the generated union, so a colour added to or removed from the
// spec fails the page's build until this table follows.
import type { Tag, TagColors } from "../../client/index.js";
import { h } from "./dom.js";

interface Swatch {
  readonly text: string;
  readonly background: string;
  readonly border: string;
}

export const TAG_COLORS: Readonly<Record<TagColors, Swatch>> = {
  Magenta: { text: "#c41d7f", background: "#fff0f6", border: "#ffadd2" },
  Red: { text: "#cf1322", background: "#fff1f0", border: "#ffa39e" },
  Volcano: { text: "#d4380d", background: "#fff2e8", border: "#ffbb96" },
  Orange: { text: "#d46b08", background: "#fff7e6", border: "#ffd591" },
  Gold: { text: "#d48806", background: "#fffbe6", border: "#ffe58f" },
  Lime: { text: "#7cb305", background: "#fcffe6", border: "#eaff8f" },
  Green: { text: "#389e0d", background: "#f6ffed", border: "#b7eb8f" },
  Cyan: { text: "#08979c", background: "#e6fffb", border: "#87e8de" },
  Blue: { text: "#0958d9", background: "#e6f4ff", border: "#91caff" },
  GeekBlue: { text: "#1d39c4", background: "#f0f5ff", border: "#adc6ff" },
  Purple: { text: "#531dab", background: "#f9f0ff", border: "#d3adf7" },
};

const NEUTRAL: Swatch = { text: "#434343", background: "#fafafa", border: "#d9d9d9" };

/** A tag as a coloured chip; a tag without a colour is grey. */
export function tagChip(tag: Tag, tagName: "span" | "button" = "span"): HTMLElement {
  const swatch = tag.color ? TAG_COLORS[tag.color] : NEUTRAL;
  const chip = h(tagName, { class: "tag", "data-color": tag.color, title: tag.id }, tag.name ?? tag.id ?? "");
  chip.style.color = swatch.text;
  chip.style.background = swatch.background;
  chip.style.borderColor = swatch.border;
  return chip;
}
