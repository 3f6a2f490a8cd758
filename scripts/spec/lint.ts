// npm run lint:spec [-- FILE]: redocly lint, printed as `file:line:col: severity rule: message`
// like npm run generate prints it, without Redocly's code frames and banners. Exits 1 on
// an error, as redocly lint does; warnings are printed and counted.
import { parseArgs } from "node:util";
import { lint, SpecError } from "../generator/redocly.js";
import { problemLines, specErrorLines, yamlErrors } from "./problems.js";

const usage = `Usage: npm run lint:spec -- [FILE]

Lints FILE (default openapi/openapi.yaml) with Redocly and the rules in the nearest redocly.yaml.`;

function args(): { spec: string } | undefined {
  try {
    const { values, positionals } = parseArgs({ options: { help: { type: "boolean", short: "h" } }, allowPositionals: true });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    if (positionals.length > 1) throw new Error("one spec at a time");
    return { spec: positionals[0] ?? "openapi/openapi.yaml" };
  } catch (error) {
    console.error(`lint:spec: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return undefined;
  }
}

const parsed = args();
if (!parsed) {
  process.exitCode = 2;
} else {
  try {
    const started = performance.now();
    const problems = await lint(parsed.spec);
    for (const line of problemLines(problems)) console.error(line);
    // A file that does not parse is one error, however often Redocly reported it.
    const unparsed = yamlErrors(problems.map((p) => p.message).join("\n")).length;
    const errors = unparsed || problems.filter((p) => p.severity === "error").length;
    const warnings = unparsed ? 0 : problems.length - errors;
    const took = `${Math.round(performance.now() - started)} ms`;
    console.log(`${parsed.spec}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"} (${took})`);
    process.exitCode = errors > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    for (const line of specErrorLines(error.message)) console.error(line);
    process.exitCode = 1;
  }
}
