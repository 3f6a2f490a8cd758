// CustomerInfo as a CSV record, the way ServiceStack sends it: the property names in
// PascalCase as the header, one record per customer, nested values as JSON text, a null
// as an empty field, RFC 4180 quoting and CRLF. The columns come from the spec, not from
// a list here. Stores keep each customer's record beside its JSON body, so that a
// million-row CSV export writes stored text instead of parsing and encoding every row.
import { stringify } from "csv-stringify/sync";
import type { CustomerInfo } from "../../generated/schema.js";
import { apiSpec } from "../../generated/server.js";

interface SchemaDocument {
  components: { schemas: { CustomerInfo: { properties: Record<string, unknown> } } };
}

/** CustomerInfo's properties in the spec's order. */
export const csvColumns = Object.keys(
  (apiSpec.document as SchemaDocument).components.schemas.CustomerInfo.properties,
) as (keyof CustomerInfo)[];

// csv-stringify quotes a lone CR only when told to; RFC 4180 wants any CR or LF quoted.
const options = { record_delimiter: "\r\n", quoted_match: /[\r\n]/ } as const;

/** The header record, CRLF included. */
export const csvHeader = stringify([csvColumns.map((name) => name.charAt(0).toUpperCase() + name.slice(1))], options);

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

/** One customer's record, CRLF included. */
export function csvRecord(customer: CustomerInfo): string {
  return stringify([csvColumns.map((column) => cell(customer[column]))], options);
}
