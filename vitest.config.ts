import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One PostgreSQL cluster for the run (or TEST_DATABASE_URL); suites make their own databases.
    globalSetup: ["test/support/postgres-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Servers and databases per file; two cores, so two files at a time.
    maxWorkers: 2,
  },
});
