// npm start's prestart step, so the server itself never loads the generator: like make,
// regenerate generated/ when a spec file is newer than the bundle, then rebuild the docs
// page when the bundle is newer than it. A broken spec with a previous good generation
// is a warning (the server serves the last good code); with none it stops the start.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { generate, writeOutputs } from "./generator/pipeline.js";
import { buildDocsIfStale } from "./spec/build-docs.js";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function mtimeOr0(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

async function generateIfStale(): Promise<void> {
  const built = mtimeOr0("generated/openapi.json");
  if (built >= Math.max(newestMtime("openapi"), mtimeOr0("redocly.yaml"))) return;
  try {
    const outputs = await generate({ specPath: "openapi/openapi.yaml", lint: true, onProblem: (line) => console.error(line) });
    const written = await writeOutputs("generated", outputs);
    console.error(`prestart: regenerated ${written.length} file(s) from openapi/`);
  } catch (error) {
    if (built === 0) throw error;
    console.error(
      `prestart: the spec is broken; the server serves the last good generated code (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

try {
  await generateIfStale();
  const docs = await buildDocsIfStale();
  if (docs.built) console.error(`prestart: docs rebuilt in ${Math.round(docs.ms)} ms`);
} catch (error) {
  console.error(`prestart: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
