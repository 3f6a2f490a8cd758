// The breaking-change gate: `npm run spec:diff -- [--base REF] [--spec FILE]`.
//
// Compares the spec at a git ref with the working copy, both bundled by Redocly, lists
// every change to the API, and exits 1 when one would break existing clients, unless
// info.version's MAJOR number was bumped (the designer said so deliberately). Exit 2 is
// for a gate that could not judge: an unknown ref, a spec that does not bundle.
//
// The comparison and its classification are api-smart-diff's (OpenAPI 3.x aware, and
// it knows request from response for required, enums, bounds and content types). Tried
// on the fixtures in test/fixtures/spec-diff, it gets three things wrong, and only those
// are judged in diff/rules.ts instead:
//   - `type`: compared position by position, and a changed query-parameter type is never
//     breaking; so a 3.1 type array that gains "null" in a response, or number narrowed
//     to integer in a request, passed as non-breaking.
//   - a removed optional response property is non-breaking to it; clients reading it break.
//   - a removed response enum value is non-breaking to it; clients that match on it (or
//     send it back) break.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { bundle } from "../generator/redocly.js";
import { diffSpecs } from "./diff/compare.js";
import { checkout, commitOf, defaultBase, git } from "./diff/git.js";
import { majorBumped, report, versionOf } from "./diff/report.js";

const usage = `Usage: npm run spec:diff -- [--base REF] [--spec FILE]

Compares the spec at git REF (default: the merge base with main, else HEAD) with the
working copy and exits 1 on a change that breaks existing clients, unless info.version's
major number was bumped; exits 2 when it cannot compare (an unknown REF, say).`;

async function main(): Promise<number> {
  let values: { base?: string; spec?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        base: { type: "string" },
        spec: { type: "string", default: "openapi/openapi.yaml" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const cwd = process.cwd();
  const spec = values.spec!;
  const ref = values.base ?? (await defaultBase(cwd));
  if ((await commitOf(ref, cwd)) === undefined) {
    throw new Error(`--base ${ref}: no such commit, branch or tag in this repository (see \`git tag\` and \`git branch -a\`)`);
  }
  const root = (await git(["rev-parse", "--show-toplevel"], cwd)).trim();
  const specFromRoot = path.relative(root, path.resolve(spec)).split(path.sep).join("/");
  const dir = await mkdtemp(path.join(tmpdir(), "spec-diff-"));
  try {
    const baseSpec = await checkout(ref, specFromRoot, dir, root);
    if (!baseSpec) {
      console.log(`${spec} does not exist at ${ref}: nothing to compare, so nothing breaks.`);
      return 0;
    }
    const [base, head] = await Promise.all([bundle(baseSpec), bundle(spec)]);
    console.log(`${spec}: ${ref} → working copy\n`);
    const { text, exitCode } = report(diffSpecs(base, head), majorBumped(base, head), [versionOf(base), versionOf(head)]);
    console.log(text);
    return exitCode;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`spec:diff: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
