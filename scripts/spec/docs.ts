// npm run docs: rebuilds .build/docs/index.html from generated/openapi.json (see build-docs.ts).
import { stat } from "node:fs/promises";
import path from "node:path";
import { buildDocs, DOCS_HTML } from "./build-docs.js";

try {
  const { ms } = await buildDocs();
  const { size } = await stat(DOCS_HTML);
  console.log(
    `  docs     ${ms.toFixed(0).padStart(6)} ms  ${path.relative(process.cwd(), DOCS_HTML)} (${(size / 1024 / 1024).toFixed(1)} MiB)`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
