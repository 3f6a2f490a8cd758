// The gate's verdict: breaking and non-breaking changes as text, and the exit code, which
// a bump of info.version's MAJOR number turns to 0.
import { type Change, isObject, type Json } from "./paths.js";

function major(version: Json): number | undefined {
  const match = /^v?(\d+)\./.exec(String(version ?? ""));
  return match ? Number(match[1]) : undefined;
}

export function versionOf(doc: Json): Json {
  return isObject(doc) && isObject(doc.info) ? doc.info.version : undefined;
}

/** Breaking changes are deliberate when info.version's MAJOR number went up (semver). */
export function majorBumped(base: Json, head: Json): boolean {
  const before = major(versionOf(base));
  const after = major(versionOf(head));
  return before !== undefined && after !== undefined && after > before;
}

function changeLine(change: Change, mark: string): string {
  const notes = [change.tag, change.rule ? `rule: ${change.rule}` : undefined].filter(Boolean);
  return `  ${mark} ${change.location}: ${change.text}${notes.length ? `  [${notes.join("; ")}]` : ""}\n      ${change.pointer}`;
}

export function report(changes: readonly Change[], acknowledged: boolean, versions: [Json, Json]): { text: string; exitCode: number } {
  const breaking = changes.filter((c) => c.breaking);
  const other = changes.filter((c) => !c.breaking);
  const lines: string[] = [];
  if (changes.length === 0) lines.push("No changes to the API.");
  if (breaking.length) lines.push(`Breaking changes (${breaking.length}):`, ...breaking.map((c) => changeLine(c, "✗")), "");
  if (other.length) lines.push(`Non-breaking changes (${other.length}):`, ...other.map((c) => changeLine(c, "•")), "");
  const [from, to] = versions.map((v) => String(v ?? "?"));
  if (breaking.length && acknowledged) {
    lines.push(`Accepted: info.version's major number went up (${from} → ${to}), so these breaking changes are deliberate.`);
  } else if (breaking.length) {
    lines.push(
      `${breaking.length} breaking change${breaking.length === 1 ? "" : "s"}. Keep existing clients working, or bump info.version's major number (now ${to}, base ${from}) to release them deliberately.`,
    );
  }
  return { text: lines.join("\n"), exitCode: breaking.length && !acknowledged ? 1 : 0 };
}
