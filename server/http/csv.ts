// CustomerInfo as CSV, the way ServiceStack sends it: a header row of the property names
// in PascalCase, one row per customer, nested values as JSON text, a null as an empty
// field, RFC 4180 quoting and CRLF. The columns come from the spec, not from a list here.
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import type { CustomerInfo } from "../../generated/schema.js";
import { apiSpec } from "../../generated/server.js";
import type { CustomerJson } from "../store/contract.js";

interface SchemaDocument {
  components: { schemas: { CustomerInfo: { properties: Record<string, unknown> } } };
}

/** CustomerInfo's properties in the spec's order. */
export const csvColumns = Object.keys(
  (apiSpec.document as SchemaDocument).components.schemas.CustomerInfo.properties,
) as (keyof CustomerInfo)[];

const header = csvColumns.map((name) => name.charAt(0).toUpperCase() + name.slice(1));

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
// OWASP's remedy is a leading ' so the cell is shown as text. Documented in CustomersCsv.
const formulaStart = /^[=+\-@\t\r]/;

export function neutralise(text: string): string {
  return formulaStart.test(text) ? `'${text}` : text;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return neutralise(typeof value === "object" ? JSON.stringify(value) : String(value));
}

/** One customer's cells, from the body the store keeps (CSV is the one reader that needs its fields). */
export function csvRow(body: CustomerJson): string[] {
  const customer = JSON.parse(body.text) as CustomerInfo;
  return csvColumns.map((column) => cell(customer[column]));
}

// csv-stringify quotes a lone CR only when told to; RFC 4180 wants any CR or LF quoted.
const options = { record_delimiter: "\r\n", quoted_match: /[\r\n]/ } as const;

/** A page: small, so written at once. */
export function customersCsv(customers: readonly CustomerJson[]): string {
  return stringifySync([header, ...customers.map(csvRow)], options);
}

/** all=true: rows leave as the database yields them, with backpressure. */
export function customersCsvStream(customers: AsyncIterable<CustomerJson>): Readable {
  const rows = Readable.from(
    (async function* () {
      yield header;
      for await (const customer of customers) yield csvRow(customer);
    })(),
  );
  const csv = stringify(options);
  // A failing source must end the response, not leave it hanging.
  rows.on("error", (error) => csv.destroy(error));
  return rows.pipe(csv);
}

export const csvDisposition = { "Content-Disposition": "attachment;filename=ListCustomers.csv" } as const;
