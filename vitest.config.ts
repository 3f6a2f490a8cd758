import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Servers and databases per file; two cores, so two files at a time.
    maxWorkers: 2,
  },
});
