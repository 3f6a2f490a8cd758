// The table's columns, and where each sort field's header button sits. SORTS is a Record
// over the spec's sortField enum: a field added to the spec fails the build until it has a
// header here, and a removed one fails it until its header goes.
import type { SortField } from "./query.js";

export type ColumnKey = "customer" | "account" | "parent" | "tags" | "staging" | "overrides" | "created" | "modified";

export interface Column {
  readonly key: ColumnKey;
  readonly title: string;
}

export const COLUMNS: readonly Column[] = [
  { key: "customer", title: "Customer" },
  { key: "account", title: "Account" },
  { key: "parent", title: "Parent" },
  { key: "tags", title: "Tags" },
  { key: "staging", title: "Staging" },
  { key: "overrides", title: "Overrides" },
  { key: "created", title: "Created (UTC)" },
  { key: "modified", title: "Modified (UTC)" },
];

interface SortButton {
  readonly column: ColumnKey;
  readonly label: string;
}

export const SORTS: Readonly<Record<SortField, SortButton>> = {
  name: { column: "customer", label: "Name" },
  referenceId: { column: "customer", label: "Reference" },
  id: { column: "customer", label: "ID" },
  accountName: { column: "account", label: "Name" },
  accountId: { column: "account", label: "ID" },
  parentCustomerId: { column: "parent", label: "Parent ID" },
  isStaging: { column: "staging", label: "Staging" },
  overrideBillingSettings: { column: "overrides", label: "Billing" },
  overrideAppSettings: { column: "overrides", label: "App" },
  dateCreated: { column: "created", label: "Date" },
  createdBy: { column: "created", label: "By" },
  dateLastModified: { column: "modified", label: "Date" },
  lastModifiedBy: { column: "modified", label: "By" },
};

export function sortsOf(column: ColumnKey): SortField[] {
  return (Object.keys(SORTS) as SortField[]).filter((field) => SORTS[field].column === column);
}

/** Dates in UTC as the API sends them, to the minute (the headers say UTC); anything unparsable as sent. */
export function shortDate(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace("T", " ");
}
