// A plain in-memory model of the demo data and of the API's rules (filters, order), that
// every store suite compares the engines against: expectations never come from the
// engine under test, nor from hard-coded ids.
import type { CustomerInfo } from "../../generated/schema.js";
import { JsonText } from "../../generated/server.js";
import { demoData } from "../../server/demo/demo-data.js";
import type { CustomerJson, CustomerQuery, SortField } from "../../server/store/contract.js";

export const fold = (s: string) => s.normalize("NFC").toLowerCase();
/** SQLite's BINARY collation and PostgreSQL's "C" compare UTF-8 bytes. */
export const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export interface ModelCustomer extends CustomerInfo {
  tagIds: string[];
  /** Strict ancestors, nearest first. */
  ancestors: string[];
}

export function storeModel(n: number) {
  const data = demoData(n);
  const model: ModelCustomer[] = (() => {
    const byId = new Map<string, ModelCustomer>();
    const accountName = new Map(data.accounts.map((a) => [a.id, a.name]));
    const tagById = new Map(data.tags.map((t) => [t.id!, t]));
    for (const c of data.customers()) {
      const parent = c.parentCustomerId === undefined ? undefined : byId.get(c.parentCustomerId)!;
      const ancestors = parent ? [parent.id, ...parent.ancestors] : [];
      const tags = c.tagIds.map((id) => tagById.get(id)!).sort((a, b) => cmp(a.name!, b.name!) || cmp(a.id!, b.id!));
      byId.set(c.id, {
        ...c,
        accountName: accountName.get(c.accountId)!,
        tags,
        breadcrumb: [...ancestors].reverse().map((id) => ({ id, name: byId.get(id)!.name })),
        ancestors,
      });
    }
    return [...byId.values()];
  })();
  const descendantsOf = (id: string) => model.filter((c) => c.ancestors.includes(id));
  /** A customer with grandchildren, so depth matters. */
  const grandparent = () => model.find((c) => model.some((d) => d.ancestors[1] === c.id))!;
  return { data, model, descendantsOf, grandparent };
}

/** What the API returns for a model customer. */
export function info(m: ModelCustomer): CustomerInfo {
  const { tagIds: _t, ancestors: _a, ...rest } = m;
  return rest;
}

const sortKey: Record<SortField, (c: ModelCustomer) => string | number | null> = {
  id: (c) => c.id,
  name: (c) => fold(c.name),
  accountId: (c) => c.accountId,
  accountName: (c) => c.accountName ?? null,
  parentCustomerId: (c) => c.parentCustomerId ?? null,
  referenceId: (c) => c.referenceId ?? null,
  isStaging: (c) => (c.isStaging === undefined ? null : Number(c.isStaging)),
  overrideBillingSettings: (c) => (c.overrideBillingSettings === undefined ? null : Number(c.overrideBillingSettings)),
  overrideAppSettings: (c) => (c.overrideAppSettings === undefined ? null : Number(c.overrideAppSettings)),
  dateCreated: (c) => c.dateCreated ?? null,
  dateLastModified: (c) => c.dateLastModified ?? null,
  createdBy: (c) => c.createdBy ?? null,
  lastModifiedBy: (c) => c.lastModifiedBy ?? null,
};

/** NULL sorts first ascending (SQLite), ties broken by id in the same direction. */
export function modelOrder(list: ModelCustomer[], field: SortField, descend: boolean): ModelCustomer[] {
  const key = sortKey[field];
  const compareValues = (a: string | number | null, b: string | number | null): number => {
    if (a === b) return 0;
    if (a === null) return -1;
    if (b === null) return 1;
    return typeof a === "number" && typeof b === "number" ? a - b : cmp(String(a), String(b));
  };
  const sign = descend ? -1 : 1;
  return [...list].sort((x, y) => sign * (compareValues(key(x), key(y)) || cmp(x.id, y.id)));
}

export const query = (q: Partial<CustomerQuery> = {}): CustomerQuery => ({
  scope: { kind: "all" },
  sortField: "name",
  sortOrder: "Ascend",
  ...q,
});

/** The customers of stored bodies, as a client parses them. */
export const customers = (bodies: readonly CustomerJson[]): CustomerInfo[] => bodies.map((b) => JSON.parse(b.text) as CustomerInfo);

export async function collect(it: AsyncIterable<CustomerJson>): Promise<CustomerInfo[]> {
  const out: CustomerJson[] = [];
  for await (const c of it) out.push(c);
  return customers(out);
}

export const ids = (list: readonly ({ id?: string } | CustomerJson)[]) =>
  list.map((c) => (c instanceof JsonText ? (JSON.parse(c.text) as CustomerInfo).id : c.id));
