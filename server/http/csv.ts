// CSV responses: a page is encoded from its customers' bodies; `all=true` writes the
// records the store keeps (store/customer-csv.ts holds the format).
import { Readable } from "node:stream";
import type { CustomerInfo } from "../../generated/schema.js";
import type { CustomerJson } from "../store/contract.js";
import { csvHeader, csvRecord } from "../store/customer-csv.js";

/** A page: small, so written at once. */
export function customersCsv(customers: readonly CustomerJson[]): string {
  return csvHeader + customers.map((body) => csvRecord(JSON.parse(body.text) as CustomerInfo)).join("");
}

/** all=true: records leave as the database yields them, batched into larger writes, with backpressure. */
export function customersCsvStream(records: AsyncIterable<string>): Readable {
  return Readable.from(
    (async function* () {
      let buffer = csvHeader;
      for await (const record of records) {
        buffer += record;
        if (buffer.length >= 64 * 1024) {
          yield buffer;
          buffer = "";
        }
      }
      yield buffer;
    })(),
  );
}

export const csvDisposition = { "Content-Disposition": "attachment;filename=ListCustomers.csv" } as const;
