// Deterministic demo data: the same N always yields the same data, byte for byte (seeded
// PRNGs and a fixed epoch; never Date.now or Math.random). Customers come from a
// generator, so a million of them never sit in memory at once.
import { createHash } from "node:crypto";
import type {
  AccountInfo,
  AppSettings,
  BillingItem,
  BillingSettings,
  EntityIntegrationData,
  Schedule,
  SchedulingRule,
  Struct,
  Tag,
  TagColors,
} from "../../generated/schema.js";
import type { NewCustomer, Role } from "../store/contract.js";
import { mulberry32, scramble, scrambledId, pick, pickWeighted, pickDistinct, randomChars, iso, round2, round4 } from "./random.js";
import { HEX, ALNUM, STAFF, BRANDS, INDUSTRIES, SUFFIXES, CITIES, FIRST_NAMES, LAST_NAMES, TIME_ZONES } from "./vocabulary.js";

/** Every demo user's password. Demo data only: never seed it into a real deployment. */
export const DEMO_PASSWORD = "demo";

export interface DemoUser {
  username: string;
  password: string;
  roles: Role[];
  accountIds: string[];
  customerId?: string;
  /** Plaintext demo API key (the store keeps only its sha256); see demoApiKey. */
  apiKey: string;
}

export interface DemoData {
  accounts: AccountInfo[];
  tags: Tag[];
  users: DemoUser[];
  customerCount: number;
  /** A parent always comes before its children. Each call starts over and yields the same sequence. */
  customers(): Generator<NewCustomer>;
}

/**
 * The demo API key of a demo user: `evo_demo_<username>_` + 24 hex digits of a sha256.
 * Deterministic so docs and scripts can use it, and therefore public: demo only.
 */
export function demoApiKey(username: string): string {
  return `evo_demo_${username}_${createHash("sha256").update(`evo-voice-demo-key:${username}`).digest("hex").slice(0, 24)}`;
}

const SEED = 0x5eed_c0de;
const EPOCH_S = Date.UTC(2022, 0, 3, 9, 0, 0) / 1000;
const SPAN_S = 3 * 365 * 86_400; // creation dates spread over three years
const LAST_MODIFIED_LIMIT_S = Date.UTC(2025, 5, 30, 17, 0, 0) / 1000;

/** Names that exercise the literal, case-insensitive, Unicode-aware name filter. */
export const TRICKY_NAMES = [
  "Café Müller",
  "100% Organic_Farms",
  "O'Brien & Sons Plumbing",
  "Back\\Slash Studios",
  "ÅNGSTRÖM LABS",
  "Zoë's Bakery",
  "50_50 Ventures",
  "Straße Networks",
  'The "Quoted" Company',
  "東京 Trading Co",
] as const;

/** Ancestry forced on the first customers, so even a tiny N has a tree 5 levels deep. */
const FORCED_CHAIN = 5;
/** The customer the `customer` demo user is bound to: customer 1, with 3 levels below it. */
const BOUND_CUSTOMER_INDEX = 1;

export function demoData(customerCount: number): DemoData {
  if (!Number.isSafeInteger(customerCount) || customerCount < 1) throw new RangeError("customerCount must be an integer >= 1");
  const accounts = makeAccounts();
  const tags = makeTags();
  const accountId = (i: number) => accounts[i]!.id;
  const users: DemoUser[] = (
    [
      { username: "sysadmin", roles: ["SystemAdministrator"], accountIds: [] },
      { username: "manager", roles: ["Manager"], accountIds: [accountId(1), accountId(3)] },
      {
        username: "customer",
        roles: ["Customer"],
        accountIds: [accountId(0)],
        customerId: customerId(Math.min(BOUND_CUSTOMER_INDEX, customerCount - 1)),
      },
      { username: "nobody", roles: [], accountIds: [] },
    ] satisfies Omit<DemoUser, "password" | "apiKey">[]
  ).map((u) => ({ ...u, password: DEMO_PASSWORD, apiKey: demoApiKey(u.username) }));
  return {
    accounts,
    tags,
    users,
    customerCount,
    customers: () => generateCustomers(customerCount, accounts, tags),
  };
}

/** `cus_` + base36 of a bijective scramble of the index: unique, and not in insertion order. */
export function customerId(index: number): string {
  return scrambledId("cus", index ^ 0x3c6e_f372);
}

function* generateCustomers(n: number, accounts: AccountInfo[], tags: Tag[]): Generator<NewCustomer> {
  const structure = mulberry32(SEED);
  const depthOf = new Uint8Array(n);
  const accountOf = new Uint8Array(n);
  const byDepth: number[][] = [[], [], [], [], [], []];
  for (let i = 0; i < n; i++) {
    let parent: number | undefined;
    if (i < FORCED_CHAIN) {
      parent = i === 0 ? undefined : i - 1;
    } else if (structure() >= 0.06) {
      let depth = pickWeighted(structure, [30, 30, 20, 12, 8]) + 1;
      while (depth > 0 && byDepth[depth - 1]!.length === 0) depth--;
      if (depth > 0) {
        const candidates = byDepth[depth - 1]!;
        parent = candidates[Math.floor(structure() * candidates.length)]!;
      }
    }
    const depth = parent === undefined ? 0 : depthOf[parent]! + 1;
    // Customer 0 (root of the forced chain) is in account 0, the account of the `customer` user.
    const account = parent !== undefined ? accountOf[parent]! : i === 0 ? 0 : pickWeighted(structure, [35, 25, 20, 12, 8]);
    depthOf[i] = depth;
    accountOf[i] = account;
    if (depth < byDepth.length) byDepth[depth]!.push(i);
    yield makeCustomer(i, n, parent, depth, accounts[account]!, tags);
  }
}

function makeCustomer(i: number, n: number, parent: number | undefined, depth: number, account: AccountInfo, tags: Tag[]): NewCustomer {
  const rng = mulberry32(scramble(i) ^ SEED);
  const isRoot = parent === undefined;
  const created = EPOCH_S + Math.floor((i * SPAN_S) / n) + Math.floor(rng() * 3600);
  const modified = Math.min(created + Math.floor(rng() * 200 * 86_400), LAST_MODIFIED_LIMIT_S);
  const overrideBilling = rng() < (isRoot ? 0.7 : 0.15);
  const overrideApp = rng() < (isRoot ? 0.6 : 0.1);
  const integration = makeIntegrationData(rng);
  const referenceId = rng() < 0.85 ? `CRM-${String(100000 + Math.floor(rng() * 900000))}` : undefined;
  const c: NewCustomer = {
    id: customerId(i),
    accountId: account.id!,
    name: customerName(i, parent, rng),
    isStaging: rng() < 0.04,
    data: makeData(rng, depth),
    schedule: makeSchedule(rng, isRoot),
    overrideBillingSettings: overrideBilling,
    overrideAppSettings: overrideApp,
    dateCreated: iso(created),
    dateLastModified: iso(modified),
    createdBy: pick(rng, STAFF),
    lastModifiedBy: pick(rng, STAFF),
    tagIds: pickDistinct(
      rng,
      tags.map((t) => t.id!),
      pickWeighted(rng, [35, 35, 20, 10]),
    ),
  };
  if (parent !== undefined) c.parentCustomerId = customerId(parent);
  if (referenceId !== undefined) c.referenceId = referenceId;
  if (integration) c.integrationData = integration;
  if (overrideBilling) c.billingSettings = makeBillingSettings(rng, 0.6);
  if (overrideApp) c.appSettings = makeAppSettings(rng, c.name);
  return c;
}

function customerName(i: number, parent: number | undefined, rng: () => number): string {
  if (i >= FORCED_CHAIN && i < FORCED_CHAIN + TRICKY_NAMES.length) return TRICKY_NAMES[i - FORCED_CHAIN]!;
  if (rng() < 0.003) return `${pick(rng, TRICKY_NAMES)} ${pick(rng, CITIES)}`;
  // Half the sub-customers are branches of their parent's company, as resellers name them.
  if (parent !== undefined && rng() < 0.5) return `${companyName(parent)} - ${pick(rng, CITIES)}`;
  return companyName(i);
}

/** A pure function of the index, so a child can name its parent's company without a lookup. */
function companyName(i: number): string {
  const rng = mulberry32(scramble(i + 0x9e37));
  const suffix = rng() < 0.55 ? ` ${pick(rng, SUFFIXES)}` : "";
  return `${pick(rng, BRANDS)} ${pick(rng, INDUSTRIES)}${suffix}`;
}

function makeData(rng: () => number, depth: number): Struct {
  const city = pick(rng, CITIES);
  const data: Struct = {
    plan: { stringValue: pick(rng, ["Starter", "Business", "Enterprise"]) },
    seats: { numberValue: 1 + Math.floor(rng() * 250) },
    autoRenew: { boolValue: rng() < 0.8 },
    level: { numberValue: depth },
    address: { structValue: { city: { stringValue: city }, country: { stringValue: "US" } } },
  };
  if (rng() < 0.5) {
    const first = pick(rng, FIRST_NAMES);
    const last = pick(rng, LAST_NAMES);
    data.contacts = {
      listValue: [
        {
          name: { stringValue: `${first} ${last}` },
          email: { stringValue: `${first}.${last}@example.com`.toLowerCase() },
          primary: { boolValue: true },
        },
      ],
    };
  }
  return data;
}

function makeSchedule(rng: () => number, isRoot: boolean): Schedule {
  const timeZoneId = pick(rng, TIME_ZONES);
  if (!isRoot && rng() < 0.6) return { timeZoneId, inherit: true, forceClosed: false, rules: [], defaultState: "Closed" };
  const open = 7 + Math.floor(rng() * 3);
  const rules: SchedulingRule[] = [
    {
      id: scrambledId("rul", Math.floor(rng() * 2 ** 32)),
      name: "Business hours",
      priority: 1,
      state: "Open",
      simpleRuleType: "Time",
      isAllDay: false,
      startDate: "2024-01-01",
      startTime: `${String(open).padStart(2, "0")}:00`,
      endTime: `${String(open + 9).padStart(2, "0")}:30`,
      byDay: (["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] as const).map((dayOfWeek) => ({ offset: 0, dayOfWeek })),
      interval: 1,
      frequency: "Weekly",
    },
  ];
  if (rng() < 0.4) {
    rules.push({
      id: scrambledId("rul", Math.floor(rng() * 2 ** 32)),
      name: "New Year's Day",
      priority: 0,
      state: "Closed",
      simpleRuleType: "Time",
      isAllDay: true,
      startDate: "2024-01-01",
      byMonth: [1],
      byMonthDay: [1],
      interval: 1,
      frequency: "Yearly",
    });
  }
  if (rng() < 0.2) {
    rules.push({
      id: scrambledId("rul", Math.floor(rng() * 2 ** 32)),
      name: "Holiday mode",
      priority: 0,
      state: "Closed",
      simpleRuleType: "CustomerState",
      customerState: "Holiday",
      frequency: "None",
    });
  }
  return { timeZoneId, inherit: false, forceClosed: rng() < 0.02, rules, defaultState: "Closed" };
}

function makeIntegrationData(rng: () => number): EntityIntegrationData | undefined {
  const data: EntityIntegrationData = {};
  if (rng() < 0.6) data.hubspot = { thirdPartyId: String(10_000_000_000 + Math.floor(rng() * 9e9)) };
  if (rng() < 0.3) data.salesforce = { thirdPartyId: `0015g00000${randomChars(rng, 5, ALNUM)}AAB` };
  return Object.keys(data).length ? data : undefined;
}

function makeBillingSettings(rng: () => number, scale: number): BillingSettings {
  const item = (baseCost: number, unitCost: number, allowance: number): BillingItem => ({
    baseCost: round2(baseCost * scale * (0.8 + rng() * 0.4)),
    rawUnitMultiplier: 1,
    unitCost: round4(unitCost * (0.8 + rng() * 0.4)),
    allowance,
  });
  return {
    base: item(49, 0, 0),
    localNumbers: item(1, 1, 5),
    tollFreeNumbers: item(2, 2, 1),
    inboundVoiceCalls: item(0, 0.0085, 1000),
    outboundVoiceCalls: item(0, 0.014, 1000),
    inboundFaxes: item(0, 0.007, 100),
    outboundFaxes: item(0, 0.0105, 100),
    inboundSmsMessages: item(0, 0.0079, 500),
    outboundSmsMessages: item(0, 0.0079, 500),
    aiInsights: item(10, 0.02, 200),
    aiLiveMinutes: item(0, 0.06, 60),
  };
}

function makeAppSettings(rng: () => number, title: string): AppSettings {
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "portal";
  return {
    enablePhoneNumberManagement: rng() < 0.7,
    enableDeviceManagement: rng() < 0.5,
    enableDialer: rng() < 0.8,
    enableCallHistory: true,
    enableAssistants: rng() < 0.3,
    showFileNameInMessageCenter: rng() < 0.5,
    chakraTheme: pick(rng, ["blue", "teal", "purple", "gray"]),
    customCss: "",
    pageTitle: `${title} Portal`,
    stringMappings: "",
    logoutUrl: `https://${slug}.example.com/logout`,
    portMyNumberUrl: `https://${slug}.example.com/port`,
  };
}

function makeAccounts(): AccountInfo[] {
  const rng = mulberry32(SEED ^ 0xacc0);
  const names = ["Northwind Telecom", "Bluewave Communications", "Summit Voice Partners", "Lakeside Cloud PBX", "Redwood Networks"];
  const accounts: AccountInfo[] = names.map((name, k) => ({
    id: scrambledId("acc", k ^ 0xacc),
    name,
    twilioAccountSid: `AC${randomChars(rng, 32, HEX)}`,
    ancestorIds: [],
    maxPhoneNumbers: [500, 250, 1000, 100, 50][k]!,
    isBYOA: k === 2,
    trustHubProfileSid: `BU${randomChars(rng, 32, HEX)}`,
    logoId: `fil_${randomChars(rng, 10, ALNUM)}`,
    logoUri: `https://files.evovoice.io/logos/${name.toLowerCase().replaceAll(" ", "-")}.png`,
    billingSettings: makeBillingSettings(rng, 1),
    dateCreated: iso(EPOCH_S - (5 - k) * 30 * 86_400),
    dateLastModified: iso(EPOCH_S + k * 86_400),
    createdBy: STAFF[0],
    lastModifiedBy: STAFF[1],
  }));
  // Redwood is a sub-account of Northwind: AccountInfo has a tree of its own.
  accounts[4]!.parentAccountId = accounts[0]!.id;
  accounts[4]!.ancestorIds = [accounts[0]!.id!];
  return accounts;
}

function makeTags(): Tag[] {
  const defs: [string, TagColors][] = [
    ["VIP", "Gold"],
    ["Churn Risk", "Red"],
    ["Reseller", "Purple"],
    ["Enterprise", "GeekBlue"],
    ["SMB", "Cyan"],
    ["Healthcare", "Green"],
    ["Legal", "Blue"],
    ["Trial", "Orange"],
    ["Past Due", "Volcano"],
    ["Partner", "Magenta"],
    ["Onboarding", "Lime"],
    ["Priority Support", "Red"],
  ];
  return defs.map(([name, color], k) => ({
    id: scrambledId("tag", k ^ 0x7a9),
    name,
    color,
  }));
}
