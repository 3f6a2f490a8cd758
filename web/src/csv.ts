// CSV of the current filter and sort, every matching customer (not just this page), through
// the generated client with `Accept: text/csv`, saved under the name the server gives it.
import type { ApiClient, ErrorResponse } from "../../client/index.js";
import { filterQuery, type ViewState } from "./query.js";

export type CsvOutcome = { ok: true; filename: string } | { ok: false; status: number; error: ErrorResponse | undefined };

function filenameOf(disposition: string | null): string {
  const name = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] : undefined;
  return name ? decodeURIComponent(name) : "customers.csv";
}

export async function downloadCsv(api: ApiClient, state: ViewState): Promise<CsvOutcome> {
  const { data, error, response } = await api.listCustomers({ ...filterQuery(state), all: true }, { accept: "text/csv" });
  if (error !== undefined || data === undefined) return { ok: false, status: response.status, error };
  const filename = filenameOf(response.headers.get("content-disposition"));
  const url = URL.createObjectURL(new Blob([data], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not now: the browser may still be reading the blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { ok: true, filename };
}
