// Rows as both engines store them, turned into the API's types. The engines agree on the
// columns (JSON documents kept as text, booleans as 0/1 or true/false), so one mapping
// serves both and their answers cannot drift apart.
import type { CustomerBreadcrumb, CustomerInfo, Tag } from "../../generated/schema.js";
import type { Role, StoredUser } from "./contract.js";

export interface CustomerRow {
  seq: number;
  id: string;
  account_id: string;
  parent_id: string | null;
  name: string;
  reference_id: string | null;
  is_staging: number | boolean | null;
  override_billing_settings: number | boolean | null;
  override_app_settings: number | boolean | null;
  date_created: string | null;
  date_last_modified: string | null;
  created_by: string | null;
  last_modified_by: string | null;
  data: string | null;
  schedule: string | null;
  integration_data: string | null;
  billing_settings: string | null;
  app_settings: string | null;
  account_name: string | null;
}

export interface UserRow {
  username: string;
  password_hash: string;
  roles: string;
  account_ids: string;
  customer_id: string | null;
}

/** Property order follows the service's sample body; nulls are left out as ServiceStack does. */
export function toCustomer(r: CustomerRow, tags: Tag[], breadcrumb: CustomerBreadcrumb[]): CustomerInfo {
  return omitNulls({
    accountId: r.account_id,
    parentCustomerId: r.parent_id,
    breadcrumb,
    accountName: r.account_name,
    isStaging: bool(r.is_staging),
    name: r.name,
    referenceId: r.reference_id,
    data: parse(r.data),
    tags,
    schedule: parse(r.schedule),
    integrationData: parse(r.integration_data),
    overrideBillingSettings: bool(r.override_billing_settings),
    billingSettings: parse(r.billing_settings),
    overrideAppSettings: bool(r.override_app_settings),
    appSettings: parse(r.app_settings),
    id: r.id,
    dateCreated: r.date_created,
    dateLastModified: r.date_last_modified,
    createdBy: r.created_by,
    lastModifiedBy: r.last_modified_by,
  }) as CustomerInfo;
}

export function toUser(r: UserRow): StoredUser {
  const user: StoredUser = {
    username: r.username,
    passwordHash: r.password_hash,
    roles: JSON.parse(r.roles) as Role[],
    accountIds: JSON.parse(r.account_ids) as string[],
  };
  if (r.customer_id !== null) user.customerId = r.customer_id;
  return user;
}

export function omitNulls<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === null || o[k] === undefined) delete o[k];
  return o;
}

export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export const bit = (b: boolean | undefined): number | null => (b === undefined ? null : b ? 1 : 0);
const bool = (n: number | boolean | null): boolean | null => (n === null ? null : typeof n === "boolean" ? n : n !== 0);
export const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
