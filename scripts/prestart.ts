// npm start's prestart step, so the server itself never loads the generator: like make,
// regenerate generated/ when a spec file is newer than the last generation, rebuild the
// docs page when the bundle is newer than it, and compile dist/ when its sources are
// newer. A broken spec with a previous good generation is a warning (the server serves
// the last good code); with none it stops the start.
import { mkdirSync, writeFileSync } from "node:fs";
import { buildIfStale, newestMtime } from "./build.js";
import { buildDocsIfStale } from "./spec/build-docs.js";

// When prestart last found generated/ up to date with the spec. A generation that changes
// no output (a comment was edited) rewrites no file, so the bundle's own mtime cannot say
// it, and touching the bundle would make the docs and dist/ rebuild for nothing.
const checkedStamp = ".build/generated-checked";

async function generateIfStale(): Promise<void> {
  const built = Math.max(newestMtime("generated/openapi.json"), newestMtime(checkedStamp));
  if (built >= Math.max(newestMtime("openapi"), newestMtime("redocly.yaml"))) return;
  try {
    // Loaded only when needed: the generator and Redocly take seconds to import, every start.
    const { generate, writeOutputs } = await import("./generator/pipeline.js");
    const outputs = await generate({ specPath: "openapi/openapi.yaml", lint: true, onProblem: (line) => console.error(line) });
    const written = await writeOutputs("generated", outputs);
    mkdirSync(".build", { recursive: true });
    writeFileSync(checkedStamp, `${new Date().toISOString()}\n`);
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
  const compiled = await buildIfStale();
  if (compiled.built) console.error(`prestart: dist/ compiled in ${(compiled.ms / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`prestart: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
