import { describe, expect, it } from "vitest";
import { demoApiKey, demoData, TRICKY_NAMES } from "../server/demo/demo-data.js";
import { scramble, scrambledId } from "../server/demo/random.js";
import { checkNewCustomer } from "../server/store/customer-body.js";

const snapshot = (n: number) => {
  const d = demoData(n);
  return JSON.stringify({ accounts: d.accounts, tags: d.tags, users: d.users, customers: [...d.customers()] });
};

describe("demo data", () => {
  it("is deterministic: the same N gives the same bytes", () => {
    expect(snapshot(700)).toBe(snapshot(700));
    const d = demoData(300);
    expect(JSON.stringify([...d.customers()])).toBe(JSON.stringify([...d.customers()]));
    expect(snapshot(701)).not.toBe(snapshot(700));
  });

  const n = 2000;
  const data = demoData(n);
  const customers = [...data.customers()];
  const byId = new Map(customers.map((c) => [c.id, c]));
  const depth = (id: string): number => {
    const p = byId.get(id)!.parentCustomerId;
    return p === undefined ? 0 : depth(p) + 1;
  };

  it("has unique ids, parents before children, children in their parent's account", () => {
    expect(customers.length).toBe(n);
    expect(byId.size).toBe(n);
    const seen = new Set<string>();
    for (const c of customers) {
      expect(c.id).toMatch(/^cus_[0-9a-z]+$/);
      if (c.parentCustomerId !== undefined) {
        expect(seen.has(c.parentCustomerId)).toBe(true);
        expect(byId.get(c.parentCustomerId)!.accountId).toBe(c.accountId);
      }
      seen.add(c.id);
    }
  });

  it("builds trees at least 4 levels deep in every size", () => {
    expect(Math.max(...customers.map((c) => depth(c.id)))).toBeGreaterThanOrEqual(3);
    const tiny = [...demoData(5).customers()];
    expect(tiny.filter((c) => c.parentCustomerId === undefined).length).toBe(1);
  });

  it("includes the names that exercise the literal name filter", () => {
    const names = new Set(customers.map((c) => c.name));
    for (const name of TRICKY_NAMES) expect(names.has(name)).toBe(true);
  });

  it("uses the spec's enums and realistic identifiers", () => {
    for (const a of data.accounts) {
      expect(a.twilioAccountSid).toMatch(/^AC[0-9a-f]{32}$/);
      expect(a.trustHubProfileSid).toMatch(/^BU[0-9a-f]{32}$/);
    }
    const colors = new Set(["Magenta", "Red", "Volcano", "Orange", "Gold", "Lime", "Green", "Cyan", "Blue", "GeekBlue", "Purple"]);
    for (const t of data.tags) expect(colors.has(t.color!)).toBe(true);
    const frequencies = new Set(["None", "Secondly", "Minutely", "Hourly", "Daily", "Weekly", "Monthly", "Yearly"]);
    for (const c of customers) {
      expect(c.dateCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(c.dateLastModified! >= c.dateCreated!).toBe(true);
      for (const r of c.schedule?.rules ?? []) {
        expect(frequencies.has(r.frequency!)).toBe(true);
        expect(["Always", "CustomerState", "Time"]).toContain(r.simpleRuleType);
      }
      expect(c.overrideBillingSettings === true).toBe(c.billingSettings !== undefined);
      expect(new Set(c.tagIds).size).toBe(c.tagIds.length);
    }
    expect(customers.some((c) => c.integrationData?.hubspot?.thirdPartyId)).toBe(true);
    expect(customers.some((c) => c.tagIds.length >= 2)).toBe(true);
  });

  it("is what the spec allows: every customer passes the store's write-time check", () => {
    for (const c of customers) expect(() => checkNewCustomer(c)).not.toThrow();
  });

  it("writes ids in the spec's form even where the scramble is small", () => {
    // Rule ids scramble a random number: one in ~90,000 came out under 4 characters,
    // which the store refused part way through seeding a million customers.
    expect(scramble(0)).toBe(0); // the smallest scramble there is
    expect(scrambledId("rul", 0)).toBe("rul_0000000");
    expect(scrambledId("rul", 0)).toMatch(/^[a-z]{3}_[0-9A-Za-z]{4,24}$/);
  });

  it("has the four demo users with the documented roles and bindings", () => {
    const user = (name: string) => data.users.find((u) => u.username === name)!;
    expect(user("sysadmin").roles).toEqual(["SystemAdministrator"]);
    expect(user("manager").roles).toEqual(["Manager"]);
    expect(user("manager").accountIds.length).toBe(2);
    expect(data.accounts.length).toBeGreaterThan(2);
    expect(user("nobody").roles).toEqual([]);
    const bound = user("customer").customerId!;
    expect(user("customer").roles).toEqual(["Customer"]);
    expect(user("customer").accountIds).toEqual([byId.get(bound)!.accountId]);
    const below = customers.filter((c) => c.id !== bound && isBelow(c.id, bound)).map((c) => depth(c.id) - depth(bound));
    expect(Math.max(...below)).toBeGreaterThanOrEqual(2);
    for (const u of data.users) {
      expect(u.password).toBe("demo");
      expect(u.apiKey).toBe(demoApiKey(u.username));
      expect(u.apiKey).toMatch(new RegExp(`^evo_demo_${u.username}_[0-9a-f]{24}$`));
    }
  });

  function isBelow(id: string, ancestor: string): boolean {
    const p = byId.get(id)!.parentCustomerId;
    return p !== undefined && (p === ancestor || isBelow(p, ancestor));
  }

  it("rejects a non-positive count", () => {
    expect(() => demoData(0)).toThrow(RangeError);
  });
});
