// The storage contract of the customers API, implemented by SQLite (sqlite/) and
// PostgreSQL (postgres/), so nothing here may mention an engine: every method is async
// and speaks the API's own types.
import type { AccountInfo, CustomerInfo, ListCustomersQuery, SortOrders, Tag } from "../../generated/schema.js";
import type { JsonText, Role } from "../../generated/server.js";

export type SortField = NonNullable<ListCustomersQuery["sortField"]>;
export type { Role, SortOrders };

/** What the caller is allowed to see; filters only ever narrow it. */
export type Scope =
  | { kind: "all" }
  /** An empty list means the caller sees nothing (fail closed), never "no restriction". */
  | { kind: "accounts"; accountIds: string[] }
  /** The customer itself and all its descendants. */
  | { kind: "subtree"; customerId: string };

/**
 * A list filter that is absent or empty does not filter (ServiceStack skips empty
 * values). All given filters combine with AND, inside the scope.
 */
export interface CustomerQuery {
  scope: Scope;
  /** Any of these accounts. */
  accountIds?: string[];
  /** Case-insensitive substring of the name, taken literally (no wildcards). */
  nameFilter?: string;
  /** Descendants of any of these customers, excluding those customers themselves. */
  parentCustomerIds?: string[];
  /** With parentCustomerIds: direct children only. */
  shallowParent?: boolean;
  /** Customers carrying every one of these tags. */
  tagIds?: string[];
  specificIds?: string[];
  sortField: SortField;
  sortOrder: SortOrders;
}

export interface PageRequest {
  /** 0-based. */
  page: number;
  countPerPage: number;
  /** false (simplifiedPaging): the count query is not run at all. */
  count: boolean;
}

/**
 * A customer as the API sends it: JSON text that the store checked against the spec's
 * CustomerInfo when it wrote it (customer-body.ts), so it is sent without a second look.
 */
export type CustomerJson = JsonText<CustomerInfo>;

export interface Page {
  items: CustomerJson[];
  /** Size of the whole filtered set; only when PageRequest.count. */
  totalCount?: number;
  hasMorePages: boolean;
}

export interface StoredUser {
  username: string;
  /** `scrypt$N$r$p$salt$hash`, see credentials.ts. */
  passwordHash: string;
  roles: Role[];
  /** The accounts a Manager manages. */
  accountIds: string[];
  /** The customer a Customer is bound to. */
  customerId?: string;
}

/** A customer as written: what the store derives (breadcrumb, accountName, tag details) is left out. */
export type NewCustomer = Omit<CustomerInfo, "breadcrumb" | "accountName" | "tags"> & {
  id: string;
  accountId: string;
  name: string;
  tagIds: string[];
};

/** The customers and what they reference: what the API lists. */
export interface CustomerStore {
  listPage(q: CustomerQuery, page: PageRequest): Promise<Page>;
  /** Every match in order, pulled from the database in batches: memory stays flat. */
  stream(q: CustomerQuery): AsyncIterable<CustomerJson>;
  /** The same customers as CSV records (customer-csv.ts), CRLF-terminated, header not included. */
  streamCsv(q: CustomerQuery): AsyncIterable<string>;

  // Bulk loading (seed, fixtures). Each call is one transaction.
  insertAccounts(accounts: AccountInfo[]): Promise<void>;
  insertTags(tags: Tag[]): Promise<void>;
  /**
   * A parent must be inserted before its children (in an earlier call or earlier in the
   * batch). A customer the spec forbids fails the whole batch (InvalidCustomerError).
   */
  insertCustomers(batch: NewCustomer[]): Promise<void>;
  /** Refresh planner statistics after a bulk load. */
  optimize(): Promise<void>;
}

/** Who may sign in: what the credential verifier reads, and the seed and CLI write. */
export interface UserStore {
  /** Usernames match case-insensitively. */
  findUser(username: string): Promise<StoredUser | undefined>;
  /** By the sha256 hex of the key (see auth/credentials.ts hashApiKey). */
  findApiKey(keyHash: string): Promise<StoredUser | undefined>;
  insertUsers(users: StoredUser[]): Promise<void>;
  insertApiKey(keyHash: string, username: string, label?: string): Promise<void>;
}

/**
 * Where a database stands: `empty` may be seeded; `seeding` is being seeded by a live
 * process right now; `incomplete` holds a seed whose process died before its end (killed
 * half way) and must be reset; `ready` is complete, or was filled by other means.
 */
export type SeedState = "empty" | "seeding" | "incomplete" | "ready";

/** One database: both stores, and its lifetime. */
export interface Store extends CustomerStore, UserStore {
  /** No accounts, customers or users yet: a fresh database that may be seeded. */
  isEmpty(): Promise<boolean>;
  seedState(): Promise<SeedState>;
  /**
   * The seed marks the database `started` (committed) before its first row, and holds the
   * claim while it lives (so seedState tells `seeding` from `incomplete`); false when a
   * mark is there already: another process is seeding, or one died doing it.
   */
  claimSeed(): Promise<boolean>;
  /** The seed marks the database `complete` after its last row. */
  completeSeed(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The database cannot be reached (down, restarting, unreachable), as opposed to a query
 * that failed: the HTTP layer answers 503 (the error handler reads `status`), and the
 * next request tries again, so the server recovers by itself when the database returns.
 */
export class StoreUnavailableError extends Error {
  readonly status = 503;
  /** A client may retry soon: the pool reconnects on the next request. */
  readonly headers = { "Retry-After": "1" };
}
