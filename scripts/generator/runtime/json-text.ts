// JSON that is already text: written once (when a document was stored, say) and spliced
// into responses as it is, instead of being parsed, rebuilt and serialized on every request.

/**
 * JSON text standing for a value of type T. `JsonText.of` serializes a value of T (or of
 * T with some parts already text); `JsonText.trusted` wraps text that was checked against
 * T's schema when it was written: the caller vouches for it, as a store does for its rows.
 */
export class JsonText<T> {
  declare private readonly encodes: T;

  private constructor(readonly text: string) {}

  static of<T>(value: Spliced<T>): JsonText<T> {
    return new JsonText<T>(write(value));
  }

  static trusted<T>(text: string): JsonText<T> {
    return new JsonText<T>(text);
  }
}

/** T, where any part may be given as JSON text of that part's type. */
export type Spliced<T> =
  | T
  | JsonText<T>
  | (T extends readonly (infer E)[] ? readonly Spliced<E>[] : T extends object ? { [K in keyof T]: Spliced<T[K]> } : never);

function write(value: unknown): string {
  if (value instanceof JsonText) return value.text;
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? "" : ","}${value[i] === undefined ? "null" : write(value[i])}`;
    return `${out}]`;
  }
  if (value === null || typeof value !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return JSON.stringify(value);
  }
  let out = "";
  for (const [key, child] of Object.entries(value)) {
    // As JSON.stringify does: an undefined property is no property.
    if (child !== undefined) out += `${out === "" ? "" : ","}${JSON.stringify(key)}:${write(child)}`;
  }
  return `{${out}}`;
}

/** One item of a JSON body as text: `JSON.stringify`, or the text itself. */
export function itemText(item: unknown): string {
  return item instanceof JsonText ? item.text : JSON.stringify(item);
}
