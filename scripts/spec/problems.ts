// A spec that is not valid YAML, reported as one `file:line:col` line per broken file.
//
// Redocly reports it several times: as "Failed to parse" once per pass, then as "Can't
// resolve $ref" at every $ref that reaches the file, each with a code frame (and, from
// `bundle`, a hint about --force). All of them quote the parser's message the same way,
// so that quote is what is kept, once.
import path from "node:path";
import { formatProblem, type LintProblem } from "../generator/redocly.js";

const parseFailure = /(?:Failed to parse|Can't resolve \$ref): (.+?) in "([^"\n]+)" \((\d+):(\d+)\)/g;

/** One line per distinct parse failure quoted in `text`; empty when it quotes none. */
export function yamlErrors(text: string): string[] {
  const lines = new Set<string>();
  for (const [, message, file, line, col] of text.matchAll(parseFailure)) {
    lines.add(`${path.relative(process.cwd(), path.resolve(file!))}:${line}:${col}: error yaml: ${message}`);
  }
  return [...lines];
}

/** What to print for a spec that failed: its parse failures if it has any, else the message as it is. */
export function specErrorLines(message: string): string[] {
  const yaml = yamlErrors(message);
  return yaml.length > 0 ? yaml : [message];
}

/** Lint problems as lines; a file that does not parse hides the knock-on problems of it. */
export function problemLines(problems: readonly LintProblem[]): string[] {
  const yaml = yamlErrors(problems.map((p) => p.message).join("\n"));
  return yaml.length > 0 ? yaml : problems.map(formatProblem);
}
