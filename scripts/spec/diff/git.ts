// The spec as it was at a git ref, extracted with `git archive` into a scratch folder.
import { execFile } from "node:child_process";
import path from "node:path";

export function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(" ")}: ${stderr.toString().trim() || error.message}`));
      else resolve(stdout.toString());
    });
  });
}

async function succeeds(args: string[], cwd: string): Promise<boolean> {
  return git(args, cwd).then(
    () => true,
    () => false,
  );
}

/**
 * The commit `ref` names, or undefined when it names none: a mistyped base must stop the
 * gate, not compare against nothing and pass.
 */
export async function commitOf(ref: string, cwd: string): Promise<string | undefined> {
  const commit = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], cwd).catch(() => "");
  return commit.trim() || undefined;
}

/** Where a branch started from main; on main itself (or with no main) that is HEAD. */
export async function defaultBase(cwd: string): Promise<string> {
  const base = (await git(["merge-base", "HEAD", "main"], cwd).catch(() => "")).trim();
  const head = (await git(["rev-parse", "HEAD"], cwd).catch(() => "")).trim();
  return base === "" || base === head ? "HEAD" : base;
}

/**
 * Extracts the spec's top folder (and redocly.yaml) as they were at `ref` into `dir`
 * and returns the spec's path there, or undefined when the spec did not exist at `ref`.
 */
export async function checkout(ref: string, specFromRoot: string, dir: string, root: string): Promise<string | undefined> {
  if (!(await succeeds(["cat-file", "-e", `${ref}:${specFromRoot}`], root))) return undefined;
  const top = specFromRoot.includes("/") ? specFromRoot.split("/")[0]! : ".";
  const extra = top !== "." && (await succeeds(["cat-file", "-e", `${ref}:redocly.yaml`], root)) ? ["redocly.yaml"] : [];
  const archive = path.join(dir, "base.tar");
  await git(["archive", "--format=tar", `--output=${archive}`, ref, "--", top, ...extra], root);
  await new Promise<void>((resolve, reject) => {
    execFile("tar", ["-x", "-f", archive, "-C", dir], (error) => (error ? reject(error) : resolve()));
  });
  return path.join(dir, specFromRoot);
}
