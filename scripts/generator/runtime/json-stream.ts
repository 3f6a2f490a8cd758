// JSON bodies written as they are produced, so `all=true` style responses keep memory flat.
import { itemText, type JsonText } from "./json-text.js";

declare const jsonStreamOf: unique symbol;

/**
 * A JSON body written as it is produced. The phantom type ties it to the declared body;
 * it is not response-validated.
 */
export interface JsonStream<T> {
  readonly [jsonStreamOf]?: T;
  readonly chunks: () => AsyncIterable<string>;
}

type ArrayKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T];
type ElementOf<A> = A extends readonly (infer E)[] ? E : never;
/** An item as a value, or as JSON text that a store validated when it wrote it. */
type Item<T, K extends keyof T> = ElementOf<NonNullable<T[K]>> | JsonText<ElementOf<NonNullable<T[K]>>>;

export function isJsonStream(body: unknown): body is JsonStream<unknown> {
  return typeof body === "object" && body !== null && "chunks" in body && typeof body.chunks === "function";
}

/**
 * Streams `{"<key>":[...items], ...trailer}`: the array first, written item by item as the
 * iterable yields it, then the properties that can only be known once it is done (a
 * count, say). Items first is also the order ServiceStack writes a ListResponse in.
 */
export function streamJsonArray<T, K extends ArrayKeys<T>>(
  key: K,
  items: AsyncIterable<Item<T, K>> | Iterable<Item<T, K>>,
  trailer: (count: number) => Omit<T, K>,
): JsonStream<T> {
  return {
    async *chunks() {
      yield `{${JSON.stringify(key)}:[`;
      let count = 0;
      // Batch small items into larger writes: one socket write per item is the slow part.
      let buffer = "";
      for await (const item of items as AsyncIterable<unknown>) {
        buffer += count === 0 ? itemText(item) : `,${itemText(item)}`;
        count += 1;
        if (buffer.length >= 64 * 1024) {
          yield buffer;
          buffer = "";
        }
      }
      const rest = JSON.stringify(trailer(count));
      yield `${buffer}]${rest === "{}" ? "" : `,${rest.slice(1, -1)}`}}`;
    },
  };
}
