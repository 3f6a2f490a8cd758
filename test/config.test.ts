// Settings from the environment: what production changes, and a typo failing loudly.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../server/config.js";

describe("loadConfig", () => {
  it("validates responses unless NODE_ENV=production, and VALIDATE_RESPONSES decides either way", () => {
    expect(loadConfig({}).validateResponses).toBe(true);
    expect(loadConfig({ NODE_ENV: "development" }).validateResponses).toBe(true);
    expect(loadConfig({ NODE_ENV: "production" }).validateResponses).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", VALIDATE_RESPONSES: "on" }).validateResponses).toBe(true);
    expect(loadConfig({ VALIDATE_RESPONSES: "off" }).validateResponses).toBe(false);
  });

  it("refuses a value it does not know, naming the setting", () => {
    expect(() => loadConfig({ VALIDATE_RESPONSES: "yes" })).toThrow('VALIDATE_RESPONSES must be on or off, got "yes"');
    expect(() => loadConfig({ WEB_CONCURRENCY: "0" })).toThrow("WEB_CONCURRENCY must be an integer from 1 to 64");
  });
});
