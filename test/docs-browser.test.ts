// The rendered docs in a real browser: /docs shows ListCustomers, every one of its query
// parameters and the CustomerInfo schema down to its nested types, without reaching the
// network; /openapi.json is the bundled spec. Everything looked for comes from
// generated/openapi.json, so a spec change cannot leave the test checking stale names.
//
// The selectors rely on the ids Redoc 3 gives each row (`<tag>/<operationid>/t=request&in=
// query&path=<name>`): they name the operation, the location and the property, which text
// alone cannot (a parameter's name also appears in other parameters' descriptions).
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLED_SPEC, buildDocsIfStale } from "../scripts/spec/build-docs.js";
import { docsRoutes } from "../server/http/docs-routes.js";
import { launchBrowser } from "./support/browser.js";
import { listen } from "./support/http.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const SCREENSHOT = "test-artifacts/docs.png";

type Json = Record<string, unknown>;

interface Schema {
  $ref?: string;
  type?: string | string[];
  items?: Schema;
  properties?: Record<string, Schema>;
}

let spec: Json;
let dir: string;
let server: TestServer;
let browser: Browser;

/** A local `#/components/...` reference, followed until it is not one. */
function deref<T>(value: T): T {
  let current = value as { $ref?: string };
  while (typeof current.$ref === "string") {
    current = current.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, key) => (node as Json)[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec) as { $ref?: string };
  }
  return current as T;
}

function operation(operationId: string): { method: string; path: string; op: Json } {
  for (const [p, item] of Object.entries(spec.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (op.operationId === operationId) return { method, path: p, op };
    }
  }
  throw new Error(`no operation ${operationId} in ${BUNDLED_SPEC}`);
}

/** The object schema a property holds, through arrays: CustomerInfo for `items`. */
function objectOf(schema: Schema): { schema: Schema; isArray: boolean } {
  const resolved = deref(schema);
  if (resolved.items) return { schema: deref(resolved.items), isArray: true };
  return { schema: resolved, isArray: false };
}

beforeAll(async () => {
  spec = JSON.parse(await readFile(BUNDLED_SPEC, "utf8")) as Json;
  dir = await mkdtemp(path.join(tmpdir(), "docs-browser-"));
  server = await startTestServer({ name: "docs-browser", customers: 10 });
  await buildDocsIfStale();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("GET /openapi.json", () => {
  it("is the bundled spec, to anyone", async () => {
    const response = await fetch(`${server.baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json\b/);
    expect(await response.json()).toEqual(spec);
  });
});

describe("GET /docs", () => {
  it("answers 503 in the error shape, naming the command, while the page is not built", async () => {
    const app = express();
    app.use(docsRoutes({ htmlPath: path.join(dir, "missing.html") }));
    const bare = await listen(app);
    try {
      const response = await fetch(`${bare.baseUrl}/docs`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { responseStatus: { errorCode: string; message: string; errors: unknown[] } };
      expect(body.responseStatus).toMatchObject({ errorCode: "ServiceUnavailable", errors: [] });
      expect(body.responseStatus.message).toContain("npm run docs");
    } finally {
      await bare.close();
    }
  });

  describe("in Chromium", () => {
    let context: BrowserContext;
    let page: Page;
    const escaped: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      // Requests the page's Content-Security-Policy already blocked never get here; anything
      // that does would have gone to the network, so it is recorded and refused.
      await context.route(
        (url) => /^https?:$/.test(url.protocol) && url.origin !== server.baseUrl,
        (route) => {
          escaped.push(route.request().url());
          return route.abort("blockedbyclient");
        },
      );
      page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
    });

    afterAll(async () => {
      await context?.close();
    });

    /** Redoc renders nested schemas only when they scroll into view (a min-height placeholder until then). */
    async function renderLazySections(): Promise<void> {
      // Found and scrolled in one step inside the page: a placeholder can be replaced by its
      // content at any moment, between a count and a scroll made from here.
      const scrollToNextPlaceholder = () =>
        page.evaluate(() => {
          const placeholders = document.querySelectorAll('div[aria-hidden="true"][style*="min-height"]');
          placeholders[0]?.scrollIntoView({ block: "center" });
          return placeholders.length;
        });
      await expect.poll(scrollToNextPlaceholder, { message: "sections Redoc never rendered", timeout: 15_000 }).toBe(0);
    }

    function row(id: string): Locator {
      return page.locator(`[id="${id}"]`);
    }

    /** Opens a collapsed nested schema ("+ Show N properties") under a property row. */
    async function expand(id: string): Promise<void> {
      const toggle = row(id).locator(':scope > [data-schema-nested-open="false"] > button');
      if ((await toggle.count()) > 0) await toggle.click();
      await renderLazySections();
    }

    it("shows ListCustomers, every query parameter and CustomerInfo with its nested types, offline", async () => {
      const { method, path: opPath, op } = operation("ListCustomers");
      const operationId = op.operationId as string;
      const summary = op.summary as string;
      const tag = (op.tags as string[])[0]!;
      const anchor = `${tag}/${operationId}`.toLowerCase();

      const response = await page.goto(`${server.baseUrl}/docs`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-type"]).toMatch(/^text\/html\b/);

      // The way a reader gets there: the tag's list of operations on the first page.
      await page.locator(`a[href="#/${anchor}"]`).first().click();
      await expect.poll(() => new URL(page.url()).hash).toBe(`#/${anchor}`);
      const section = row(anchor);
      await section.locator("h2").first().waitFor();
      expect((await section.locator("h2").first().innerText()).trim()).toBe(summary);
      const operationText = await section.innerText();
      expect(operationText).toContain(method.toUpperCase());
      expect(operationText).toContain(opPath);

      const queryParameters = (op.parameters as Json[]).map((p) => deref(p)).filter((p) => p.in === "query");
      expect(queryParameters.length).toBeGreaterThan(0);
      const missing: string[] = [];
      for (const parameter of queryParameters) {
        const name = parameter.name as string;
        const parameterRow = row(`${anchor}/t=request&in=query&path=${name.toLowerCase()}`);
        if ((await parameterRow.count()) === 0 || !(await parameterRow.innerText()).includes(name)) missing.push(name);
      }
      expect(missing, "query parameters not shown").toEqual([]);

      // The 200 response, JSON body: CustomerInfo under `items`, then its nested types.
      const ok200 = row(`${anchor}/responses`).getByRole("tab", { name: "200", exact: true });
      await ok200.click();
      await expect.poll(() => ok200.getAttribute("aria-selected")).toBe("true");
      await renderLazySections();
      const ok = deref((op.responses as Record<string, Json>)["200"]!);
      const body = deref((ok.content as Record<string, { schema: Schema }>)["application/json"]!.schema);
      const base = `${anchor}/t=response&c=200&ct=application/json&path=`;

      const [listName, listSchema] = Object.entries(body.properties!).find(([, s]) => objectOf(s).isArray)!;
      const itemsRow = row(`${base}${listName.toLowerCase()}`);
      expect(await itemsRow.innerText()).toContain("CustomerInfo");
      await expand(`${base}${listName.toLowerCase()}`);
      const customerInfo = objectOf(listSchema).schema;
      expect(customerInfo).toBe(deref({ $ref: "#/components/schemas/CustomerInfo" }));

      const shown = async (id: string, name: string) => (await row(id).count()) > 0 && (await row(id).first().innerText()).includes(name);
      const absent: string[] = [];
      const customerPath = `${base}${listName.toLowerCase()}[]`;
      for (const name of Object.keys(customerInfo.properties!)) {
        if (!(await shown(`${customerPath}/${name.toLowerCase()}`, name))) absent.push(name);
      }
      for (const nested of ["breadcrumb", "billingSettings", "schedule", "tags"]) {
        const nestedId = `${customerPath}/${nested.toLowerCase()}`;
        await expand(nestedId);
        const { schema, isArray } = objectOf(customerInfo.properties![nested]!);
        expect(Object.keys(schema.properties ?? {}).length, `${nested} has properties in the spec`).toBeGreaterThan(0);
        for (const name of Object.keys(schema.properties!)) {
          if (!(await shown(`${nestedId}${isArray ? "[]" : ""}/${name.toLowerCase()}`, name))) absent.push(`${nested}.${name}`);
        }
      }
      expect(absent, "CustomerInfo properties not shown").toEqual([]);

      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      // From the top, so the sticky sidebar and panels are drawn beside the start of the page.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(300);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(pageErrors, "errors thrown in the page").toEqual([]);
      expect(escaped, "requests that left the page's origin").toEqual([]);
    });
  });
});
