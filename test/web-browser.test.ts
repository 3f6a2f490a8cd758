// The customers page (web/) in Chromium, against the real server and against the Prism mock.
//
// Against the server every expectation is the API's own answer to the same query, fetched
// here directly as the same user: the page must send the right query and show every row of
// the answer. The mock answers with the spec's examples whatever the query says, so there
// the test checks the query the page sent and picks the mock's answer the way a frontend
// developer would, with Prism's `Prefer` header (added to the page's requests by the test),
// then checks the page shows that answer. Expected examples come from generated/openapi.json.
import { mkdir, readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerInfo, ErrorResponse, ListCustomersResponse } from "../generated/schema.js";
import { TAG_COLORS } from "../web/src/tag-colors.js";
import { launchBrowser } from "./support/browser.js";
import { prismMock, type PrismProcess } from "./support/prism.js";
import { DEMO_PASSWORD, demoApiKey, startSeededServer, type SeededServer } from "./support/real-server.js";
import { startWebBuilt, startWebDev, type WebServer } from "./support/web.js";

const ARTIFACTS = "test-artifacts";
const FOREIGN_ACCOUNT = "acc_0vrnuux"; // Northwind Telecom: not one of the manager's accounts (README)

// biome-ignore lint/suspicious/noExplicitAny: the bundled spec is walked by property path here; typing each step would restate the spec.
type Json = Record<string, any>;
const spec = JSON.parse(await readFile(new URL("../generated/openapi.json", import.meta.url), "utf8")) as Json;
const examples = spec.components.examples as Record<string, { value: unknown }>;
const SORT_FIELDS = spec.components.parameters.sortField.schema.enum as string[];

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

interface Session {
  context: BrowserContext;
  page: Page;
  /** Every /api/customers request the page made, in order. */
  requests: Request[];
  pageErrors: string[];
}

async function openPage(web: WebServer, prefer?: (url: URL, accept: string) => string | undefined): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const requests: Request[] = [];
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/api/customers")) requests.push(request);
  });
  if (prefer) {
    await page.route("**/api/customers*", async (route) => {
      const headers = await route.request().allHeaders();
      const value = prefer(new URL(route.request().url()), headers.accept ?? "");
      await route.continue({ headers: value ? { ...headers, prefer: value } : headers });
    });
  }
  await page.goto(web.url);
  return { context, page, requests, pageErrors };
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Does `action`, then waits until the page has painted the answer to the request it caused. */
async function answered(session: Session, action: () => Promise<unknown>): Promise<URL> {
  const response = session.page.waitForResponse(
    (r) => new URL(r.url()).pathname === "/api/customers" && r.request().headers().accept !== "text/csv",
  );
  await action();
  const url = new URL((await response).url());
  // aria-busy is set before the request and cleared once its answer is painted.
  await session.page.waitForFunction(() => !document.getElementById("results")!.hasAttribute("aria-busy"));
  return url;
}

const names = (page: Page) => page.locator('#customers tbody tr [data-field="name"]').allInnerTexts();
const errorText = (page: Page) => page.locator("#error").innerText();

async function download(page: Page): Promise<{ filename: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { filename: file.suggestedFilename(), text: Buffer.concat(chunks).toString("utf8") };
}

describe("against the real server (static build behind the preview server)", () => {
  let api: SeededServer;
  let web: WebServer;
  let session: Session;

  async function fetchApi(query: string, who = "manager", accept = "application/json") {
    const response = await fetch(`${api.baseUrl}/customers?${query}`, {
      headers: { authorization: `Basic ${Buffer.from(`${who}:${DEMO_PASSWORD}`).toString("base64")}`, accept },
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }
  async function apiPage(query: string): Promise<ListCustomersResponse> {
    const { status, text } = await fetchApi(query);
    expect(status, text).toBe(200);
    return JSON.parse(text) as ListCustomersResponse;
  }
  const namesOf = (items: readonly CustomerInfo[]) => items.map((c) => c.name);

  beforeAll(async () => {
    api = await startSeededServer(400);
    web = await startWebBuilt(api.baseUrl);
    session = await openPage(web);
    await answered(session, () => signIn(session.page, "manager", DEMO_PASSWORD));
  });

  afterAll(async () => {
    await session?.context.close();
    await web?.close();
    await api?.close();
  });

  it("shows the manager's first page, as the API sends it, with the totals", async () => {
    const expected = await apiPage("");
    expect(expected.totalCount!).toBeGreaterThan(expected.items.length);
    expect(await names(session.page)).toEqual(namesOf(expected.items));
    expect(await session.page.locator("#page-summary").innerText()).toBe(
      `Page 1 of ${expected.totalPages} · ${expected.totalCount} customers`,
    );
    expect(await session.page.locator("#who").innerText()).toBe("manager");
    // Every tag is drawn in its TagColors colour.
    const chips = session.page.locator("#customers tbody .tag");
    expect(await chips.count()).toBeGreaterThan(0);
    for (const chip of await chips.all()) {
      const color = (await chip.getAttribute("data-color")) as keyof typeof TAG_COLORS;
      expect(await chip.evaluate((el) => getComputedStyle(el).color)).toBe(rgb(TAG_COLORS[color].text));
    }
    // The viewport, not the full page: this one is docs/web.png in the README.
    await session.page.screenshot({ path: `${ARTIFACTS}/web-server.png` });
  });

  it("narrows the rows to a name filter, and downloads exactly those rows as CSV", async () => {
    const all = namesOf((await apiPage("all=true")).items);
    // A word some but not all of the manager's customers have, so narrowing is visible.
    const words = [...new Set(all.flatMap((n) => n.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length >= 4))];
    const word = words.find((w) => {
      const hits = all.filter((n) => n.toLowerCase().includes(w)).length;
      return hits >= 2 && hits < 25;
    })!;
    expect(word, "a name word to filter by").toBeDefined();
    const expected = await apiPage(`nameFilter=${word}`);

    const url = await answered(session, () => session.page.locator("#name-filter").fill(word));
    expect(url.searchParams.get("nameFilter")).toBe(word);
    const shown = await names(session.page);
    expect(shown).toEqual(namesOf(expected.items));
    expect(shown.length).toBeLessThan(all.length);
    for (const name of shown) expect(name.toLowerCase()).toContain(word);

    const csvRequest = session.page.waitForRequest((r) => r.headers().accept === "text/csv");
    const csv = await download(session.page);
    // Every matching customer, not the page on screen.
    expect(new URL((await csvRequest).url()).searchParams.get("all")).toBe("true");
    const direct = await fetchApi(`nameFilter=${word}&all=true`, "manager", "text/csv");
    expect(csv.filename).toBe(/filename=([^;]+)/.exec(direct.headers.get("content-disposition")!)![1]);
    expect(csv.text).toBe(direct.text);
    const lines = csv.text.split("\r\n").filter((line) => line !== "");
    expect(lines[0]!.split(",")).toContain("Name");
    expect(lines).toHaveLength(1 + expected.totalCount!);
    for (const name of shown)
      expect(csv.text).toContain(name.includes(",") || name.includes('"') ? `"${name.replaceAll('"', '""')}"` : name);

    await answered(session, () => session.page.locator("#name-filter").fill(""));
    expect(await names(session.page)).toEqual(namesOf((await apiPage("")).items));
  });

  it("shows the next page's rows on Next, and the first again on Previous", async () => {
    const first = await names(session.page);
    const url = await answered(session, () => session.page.getByRole("button", { name: "Next ›" }).click());
    expect(url.searchParams.get("page")).toBe("1");
    const second = await names(session.page);
    expect(second).toEqual(namesOf((await apiPage("page=1")).items));
    expect(second.filter((n) => first.includes(n))).toEqual([]);
    expect(await session.page.locator("#page-summary").innerText()).toMatch(/^Page 2 of /);
    await answered(session, () => session.page.getByRole("button", { name: "‹ Previous" }).click());
    expect(await names(session.page)).toEqual(first);
  });

  it("sorts by every sortField in the spec, ascending then descending, as the API does", async () => {
    const seen = new Set<string>();
    for (const field of SORT_FIELDS) {
      const button = session.page.locator(`#customers thead button[data-sort="${field}"]`);
      expect(await button.count(), `a header button for ${field}`).toBe(1);
      for (const order of ["Ascend", "Descend"]) {
        const url = await answered(session, () => button.click());
        expect([url.searchParams.get("sortField"), url.searchParams.get("sortOrder")]).toEqual([field, order]);
        const shown = await names(session.page);
        expect(shown, `${field} ${order}`).toEqual(namesOf((await apiPage(`sortField=${field}&sortOrder=${order}`)).items));
        expect(await button.getAttribute("aria-pressed")).toBe("true");
        seen.add(shown.join("\n"));
      }
    }
    // The rows really moved: sorting by different fields gave different orders.
    expect(seen.size).toBeGreaterThan(SORT_FIELDS.length);
    const th = session.page.locator('#customers thead th:has(button[data-sort="lastModifiedBy"])');
    expect(await th.getAttribute("aria-sort")).toBe("descending");
  });

  it("shows the 403 naming accountIds when the manager picks a foreign account", async () => {
    const direct = await fetchApi(`accountIds=${FOREIGN_ACCOUNT}`);
    expect(direct.status).toBe(403);
    const body = JSON.parse(direct.text) as ErrorResponse;

    const accounts = session.page.getByRole("combobox", { name: "Accounts" });
    await answered(session, async () => {
      await accounts.fill(FOREIGN_ACCOUNT);
      await accounts.press("Enter");
    });
    const text = await errorText(session.page);
    expect(text).toContain("403 Forbidden");
    expect(text).toContain(body.responseStatus.message);
    const fieldError = body.responseStatus.errors![0]!;
    expect(await session.page.locator('#error li[data-error-field="accountIds"]').innerText()).toBe(`accountIds: ${fieldError.message}`);
    expect(await session.page.locator('[data-param="accountIds"]').getAttribute("class")).toContain("invalid");
    expect(await session.page.locator("#results").isHidden()).toBe(true);
    await session.page.screenshot({ path: `${ARTIFACTS}/web-server-403.png`, fullPage: true });

    await answered(session, () => session.page.getByRole("button", { name: `Remove ${FOREIGN_ACCOUNT}` }).click());
    expect(await session.page.locator("#error").isHidden()).toBe(true);
    expect(await session.page.locator("#customers tbody tr").count()).toBeGreaterThan(0);
  });

  it("shows a 400 naming countPerPage for a page size over the spec's maximum", async () => {
    const perPage = session.page.locator("#per-page");
    await answered(session, async () => {
      await perPage.fill("5000");
      await perPage.press("Enter");
      await perPage.blur();
    });
    expect(await errorText(session.page)).toContain("400 Bad request");
    expect(await session.page.locator('#error li[data-error-field="countPerPage"]').count()).toBe(1);
    await answered(session, async () => {
      await perPage.fill("");
      await perPage.blur();
    });
    expect(await session.page.locator("#error").isHidden()).toBe(true);
  });

  it("shows the 401 and keeps the sign-in form for a wrong password; an API key signs in", async () => {
    const other = await openPage(web);
    try {
      const unauthorized = other.page.waitForResponse((r) => r.status() === 401);
      await answered(other, () => signIn(other.page, "manager", "wrong"));
      expect(await errorText(other.page)).toContain("401 Not signed in");
      expect(await other.page.locator("#sign-in").isVisible()).toBe(true);
      expect(await other.page.locator("#controls").isHidden()).toBe(true);
      // Renamed by the proxy, so the browser shows the page's message, not its own login dialog.
      const headers = await (await unauthorized).allHeaders();
      expect([headers["www-authenticate"], headers["x-www-authenticate"]]).toEqual([undefined, expect.stringContaining("Basic")]);

      await other.page.getByLabel("API key", { exact: false }).first().check();
      await other.page.locator("#api-key").fill(demoApiKey("manager"));
      await answered(other, () => other.page.getByRole("button", { name: "Sign in" }).click());
      expect((await other.requests.at(-1)!.allHeaders()).authorization).toBe(`Bearer ${demoApiKey("manager")}`);
      expect(await names(other.page)).toEqual(namesOf((await apiPage("")).items));
      expect(await other.page.locator("#error").isHidden()).toBe(true);
      expect(other.pageErrors).toEqual([]);
    } finally {
      await other.context.close();
    }
    expect(session.pageErrors).toEqual([]);
  });
});

describe("against the Prism mock (dev server)", () => {
  let mock: PrismProcess;
  let web: WebServer;
  let session: Session;
  const pageExample = examples.ListCustomersPage!.value as ListCustomersResponse;
  const simplifiedExample = examples.ListCustomersSimplifiedPage!.value as ListCustomersResponse;
  const csvExample = examples.CustomersCsv!.value as string;
  const forbiddenExample = spec.components.responses.Forbidden.content["application/json"].examples.accountNotManaged
    .value as ErrorResponse;

  const csvExampleName = Object.keys(spec.paths["/customers"].get.responses["200"].content["text/csv"].examples)[0]!;

  /** Prism answers with the first example unless `Prefer` names another, whatever the query. */
  function prefer(url: URL, accept: string): string | undefined {
    // Unasked, Prism answers CSV with the schema's own example, a header row and no rows.
    if (accept === "text/csv") return `example=${csvExampleName}`;
    const q = url.searchParams;
    if (q.has("accountIds")) return "code=403, example=accountNotManaged";
    if (q.has("nameFilter")) return "example=simplifiedPage";
    if (q.get("simplifiedPaging") === "true" && q.get("page") === "0") return "example=simplifiedPage";
    return undefined;
  }

  beforeAll(async () => {
    mock = await prismMock();
    web = await startWebDev(mock.baseUrl);
    session = await openPage(web, prefer);
    await answered(session, () => signIn(session.page, "manager", DEMO_PASSWORD));
  });

  afterAll(async () => {
    await session?.context.close();
    await web?.close();
    await mock?.close();
  });

  it("shows the spec's example customers with their tags in colour", async () => {
    expect(await names(session.page)).toEqual(pageExample.items.map((c) => c.name));
    const tags = pageExample.items.flatMap((c) => c.tags ?? []);
    const chips = session.page.locator("#customers tbody .tag");
    expect(await chips.allInnerTexts()).toEqual(tags.map((t) => t.name));
    for (const [i, tag] of tags.entries()) {
      expect(await chips.nth(i).evaluate((el) => getComputedStyle(el).color)).toBe(rgb(TAG_COLORS[tag.color!].text));
    }
    expect((await session.requests[0]!.allHeaders()).authorization).toBe(
      `Basic ${Buffer.from(`manager:${DEMO_PASSWORD}`).toString("base64")}`,
    );
    await session.page.screenshot({ path: `${ARTIFACTS}/web-mock.png`, fullPage: true });
  });

  it("sends the name filter and shows the narrower answer; the CSV carries the filter too", async () => {
    const url = await answered(session, () => session.page.locator("#name-filter").fill("dallas"));
    expect(url.searchParams.get("nameFilter")).toBe("dallas");
    expect(await names(session.page)).toEqual(simplifiedExample.items.map((c) => c.name));
    expect(simplifiedExample.items.length).toBeLessThan(pageExample.items.length);

    const csvRequest = session.page.waitForRequest((r) => r.headers().accept === "text/csv");
    const csv = await download(session.page);
    const sent = new URL((await csvRequest).url());
    expect([sent.searchParams.get("nameFilter"), sent.searchParams.get("all")]).toEqual(["dallas", "true"]);
    expect(csv.text).toBe(csvExample);
    expect(csv.text.split(/\r?\n/)[0]).toBe(csvExample.split(/\r?\n/)[0]);

    await answered(session, () => session.page.locator("#name-filter").fill(""));
    expect(await names(session.page)).toEqual(pageExample.items.map((c) => c.name));
  });

  it("pages with simplified paging: Next asks for page 1 and shows its rows", async () => {
    const url = await answered(session, () => session.page.locator("#simplified").check());
    expect([url.searchParams.get("simplifiedPaging"), url.searchParams.get("page")]).toEqual(["true", "0"]);
    const first = await names(session.page);
    expect(first).toEqual(simplifiedExample.items.map((c) => c.name));
    expect(await session.page.locator("#page-summary").innerText()).toBe(`Page 1 · ${first.length} shown`);
    const next = await answered(session, () => session.page.getByRole("button", { name: "Next ›" }).click());
    expect(next.searchParams.get("page")).toBe("1");
    expect(await names(session.page)).toEqual(pageExample.items.map((c) => c.name));
    expect(await session.page.getByRole("button", { name: "Next ›" }).isDisabled()).toBe(!pageExample.hasMorePages);
    await answered(session, () => session.page.locator("#simplified").uncheck());
  });

  it("sends the sort a header click asks for, and marks the column", async () => {
    const button = session.page.locator('#customers thead button[data-sort="dateCreated"]');
    const ascending = await answered(session, () => button.click());
    const descending = await answered(session, () => button.click());
    expect([ascending.searchParams.get("sortField"), ascending.searchParams.get("sortOrder")]).toEqual(["dateCreated", "Ascend"]);
    expect([descending.searchParams.get("sortField"), descending.searchParams.get("sortOrder")]).toEqual(["dateCreated", "Descend"]);
    expect(await session.page.locator('#customers thead th[data-column="created"]').getAttribute("aria-sort")).toBe("descending");
    // The mock does not sort: the rows are the example's, in the example's order.
    expect(await names(session.page)).toEqual(pageExample.items.map((c) => c.name));
  });

  it("shows the 403 message for a foreign account", async () => {
    const accounts = session.page.getByRole("combobox", { name: "Accounts" });
    const url = await answered(session, async () => {
      await accounts.fill(FOREIGN_ACCOUNT);
      await accounts.press("Enter");
    });
    expect(url.searchParams.get("accountIds")).toBe(FOREIGN_ACCOUNT);
    const text = await errorText(session.page);
    expect(text).toContain("403 Forbidden");
    expect(text).toContain(forbiddenExample.responseStatus.message);
    expect(session.pageErrors).toEqual([]);
  });
});

function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
