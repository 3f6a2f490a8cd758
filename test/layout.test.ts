// The doors between rooms (README, Layout): data flows openapi/ -> scripts/ -> generated/ ->
// server/, client/. esbuild bundles each entry point as a deployment would and its metafile
// lists every project file that entry really loads, dynamic imports included, so a stray
// import of the generator from the server fails here rather than in production.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

async function bundleInputs(entry: string): Promise<Metafile["inputs"]> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    // Only our own files matter; dependencies stay imports.
    packages: "external",
    logLevel: "silent",
  });
  return result.metafile.inputs;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

/**
 * A cycle among the files one entry loads, as a list of files, or undefined. Type-only
 * imports are erased before bundling and so are not followed: they cannot make a module
 * run before what it depends on.
 */
function findCycle(inputs: Metafile["inputs"]): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "open");
    stack.push(file);
    for (const { path: next } of inputs[file]?.imports ?? []) {
      if (!(next in inputs)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of Object.keys(inputs)) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

const serverEntries = sourceFiles("server").filter((f) => f === "server/main.ts" || f.startsWith("server/cli/"));
const generatorEntries = ["scripts/generate.ts"];

describe("one-way doors", () => {
  it.each(serverEntries)("%s loads nothing of scripts/", async (entry) => {
    const files = Object.keys(await bundleInputs(entry));
    expect(files).toContain(entry);
    expect(files.filter((f) => f.startsWith("scripts/"))).toEqual([]);
  });

  it.each(generatorEntries)("%s loads nothing of server/ or client/", async (entry) => {
    const files = Object.keys(await bundleInputs(entry));
    expect(files.some((f) => f.startsWith("scripts/generator/"))).toBe(true);
    expect(files.filter((f) => f.startsWith("server/") || f.startsWith("client/"))).toEqual([]);
  });

  it("client/ loads nothing of server/ or scripts/", async () => {
    const files = Object.keys(await bundleInputs("client/example.ts"));
    expect(files.filter((f) => f.startsWith("server/") || f.startsWith("scripts/"))).toEqual([]);
  });

  it.each([...serverEntries, ...generatorEntries, "client/example.ts"])("%s has no import cycle", async (entry) => {
    expect(findCycle(await bundleInputs(entry))).toBeUndefined();
  });
});

describe("small files", () => {
  // Generated output and fixtures are not read by people editing code; everything else is.
  const files = ["scripts", "server", "client"].flatMap(sourceFiles);

  it("finds the source files", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it("keeps every source file under 400 lines", () => {
    const long = files
      .map((file) => ({ file, lines: readFileSync(path.join(root, file), "utf8").split("\n").length }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });
});
