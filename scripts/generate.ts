// npm run generate [-- --spec PATH --out DIR --check --no-lint]
// spec -> lint -> bundle -> types -> client -> server, all in memory; files are written
// only when every step succeeded, so a broken spec leaves the last good output in place.
import { parseArgs } from "node:util";
import path from "node:path";
import { generate, writeOutputs, staleOutputs } from "./generator/pipeline.js";
import { SpecError } from "./generator/redocly.js";
import { specErrorLines } from "./spec/problems.js";

const usage = `Usage: npm run generate -- [--spec PATH] [--out DIR] [--check] [--no-lint]

  --spec PATH  root of the OpenAPI 3.0/3.1 document, YAML or JSON (default openapi/openapi.yaml)
  --out DIR    where the generated files go (default generated)
  --check      write nothing; exit 1 naming every file that differs from what the spec gives
  --no-lint    skip redocly lint (the bundle step still rejects a document it cannot parse)`;

function options() {
  try {
    return parseArgs({
      options: {
        spec: { type: "string", default: "openapi/openapi.yaml" },
        out: { type: "string", default: "generated" },
        check: { type: "boolean", default: false },
        "no-lint": { type: "boolean", default: false },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    // parseArgs's own message names the option; a stack trace would say nothing more.
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
}

const values = options();
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const log = values.quiet ? () => {} : (line: string) => console.log(line);

try {
  const outputs = await generate({
    specPath: values.spec,
    lint: !values["no-lint"],
    onStep: (step, ms) => log(`  ${step.padEnd(8)} ${ms.toFixed(0).padStart(6)} ms`),
    onProblem: (line) => console.error(line),
  });
  if (values.check) {
    const stale = await staleOutputs(values.out, outputs);
    if (stale.length > 0) {
      for (const file of stale) console.error(`stale: ${path.join(values.out, file)}`);
      console.error("generated/ is out of date with the spec: run `npm run generate`.");
      process.exit(1);
    }
    log(`${values.out}/ is up to date with ${values.spec}`);
  } else {
    const written = await writeOutputs(values.out, outputs);
    log(written.length > 0 ? `wrote ${written.map((f) => path.join(values.out, f)).join(", ")}` : `${values.out}/ was already up to date`);
  }
} catch (error) {
  if (error instanceof SpecError) {
    for (const line of specErrorLines(error.message)) console.error(line);
    console.error(`The spec is broken; ${values.out}/ was left as it was.`);
    process.exit(1);
  }
  throw error;
}
