// DATABASE_URL -> a Store. The engines are imported lazily, so a deployment loads only the
// driver it uses, and the contract never imports an implementation.
import type { Store } from "./contract.js";

/** `sqlite:PATH` (PATH may be `:memory:`); `postgres://` is planned. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith("sqlite:")) {
    const path = databaseUrl.slice("sqlite:".length);
    if (path === "") throw new Error(`DATABASE_URL "${databaseUrl}" has no path: use sqlite:PATH or sqlite::memory:`);
    const { SqliteCustomerStore } = await import("./sqlite/store.js");
    return SqliteCustomerStore.open(path);
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error("DATABASE_URL: PostgreSQL storage is not implemented yet; use sqlite:PATH");
  }
  throw new Error(`DATABASE_URL must be sqlite:PATH or postgres://…, got "${redactUrl(databaseUrl)}"`);
}

/** Error messages must not echo a password embedded in a URL. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
