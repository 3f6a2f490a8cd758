// The API has no endpoints for tags or accounts, so the pickers suggest what the pages
// loaded so far have shown: every tag, account and customer (as a possible parent) seen
// since signing in. Any ID can still be typed.
import type { CustomerInfo, Tag } from "../../client/index.js";

export interface Known {
  readonly id: string;
  readonly label: string;
  readonly tag?: Tag;
}

export class Catalog {
  readonly tags = new Map<string, Known>();
  readonly accounts = new Map<string, Known>();
  readonly customers = new Map<string, Known>();

  learn(items: readonly CustomerInfo[]): void {
    for (const customer of items) {
      this.customers.set(customer.id, { id: customer.id, label: customer.name });
      this.accounts.set(customer.accountId, { id: customer.accountId, label: customer.accountName ?? customer.accountId });
      for (const step of customer.breadcrumb ?? []) {
        if (step.id) this.customers.set(step.id, { id: step.id, label: step.name ?? step.id });
      }
      for (const tag of customer.tags ?? []) {
        if (tag.id) this.tags.set(tag.id, { id: tag.id, label: tag.name ?? tag.id, tag });
      }
    }
  }

  clear(): void {
    this.tags.clear();
    this.accounts.clear();
    this.customers.clear();
  }
}
