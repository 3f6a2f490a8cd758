// The generator on specs other than ours (3.0 multi-file YAML, 3.1 JSON) and as a CLI:
// deterministic output, code that compiles and rejects what the spec forbids, --check,
// and a broken spec reported by file and line with the output left alone.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, staleOutputs, writeOutputs, type Outputs } from "../scripts/generator/pipeline.js";
import { SpecError } from "../scripts/generator/redocly.js";
import { GENERATOR_NAME, GENERATOR_VERSION } from "../scripts/generator/version.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

let work: string;
const outputs = new Map<string, Outputs>();

const fixtures = {
  petstore: "test/fixtures/petstore/openapi.yaml",
  notes: "test/fixtures/notes-3.1.json",
  noResponses: "test/fixtures/edge-cases/no-responses.yaml",
  discriminator: "test/fixtures/edge-cases/discriminator-names.yaml",
  shop: "test/fixtures/runtime/shop.yaml",
  secured: "test/fixtures/runtime/secured.yaml",
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [tsx, "scripts/generate.ts", ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file below dir, by relative path, with its content. */
async function snapshot(dir: string): Promise<[string, string][]> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const paths = files.map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  return Promise.all(paths.map(async (f): Promise<[string, string]> => [f, await readFile(path.join(dir, f), "utf8")]));
}

beforeAll(async () => {
  // Inside the project, so generated code resolves express, openapi-fetch and @types like a user's would.
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  work = await mkdtemp(path.join(root, ".tmp", "generator-test-"));
  for (const [name, spec] of Object.entries(fixtures)) {
    const out = path.join(work, name);
    const result = await generate({ specPath: path.join(root, spec), lint: name === "petstore" });
    outputs.set(name, result);
    await writeOutputs(out, result);
  }
});

afterAll(() => rm(work, { recursive: true, force: true }));

describe("generated files", () => {
  it("are the same bytes on every run", async () => {
    for (const [name, spec] of Object.entries(fixtures)) {
      const again = await generate({ specPath: path.join(root, spec), lint: false });
      expect(again).toEqual(outputs.get(name));
    }
  });

  it("each carry a do-not-edit header naming the generator, its version, the spec and the API version", async () => {
    const runtime = (await readdir(path.join(root, "scripts/generator/runtime"))).filter((f) => f.endsWith(".ts"));
    expect(runtime.length).toBeGreaterThan(8);
    for (const [name, files] of outputs) {
      expect([...files.keys()].sort()).toEqual(
        ["client.ts", "openapi.json", "schema.d.ts", "server.ts", ...runtime.map((f) => `runtime/${f}`)].sort(),
      );
      const apiVersion = JSON.parse(files.get("openapi.json")!).info.version as string;
      for (const [file, content] of files) {
        const firstLine = file.endsWith(".json") ? JSON.parse(content)["x-generated"] : content.split("\n")[0];
        expect(firstLine, `${name}/${file}`).toMatch(/DO NOT EDIT/);
        expect(firstLine).toContain(fixtures[name as keyof typeof fixtures]);
        expect(firstLine).toContain(`${GENERATOR_NAME} ${GENERATOR_VERSION}`);
        expect(firstLine).toContain(`API version ${apiVersion}`);
      }
    }
  });

  it("keep every file, runtime included, under 400 lines", () => {
    for (const [name, files] of outputs) {
      for (const [file, content] of files) {
        if (file.endsWith(".ts") && file.startsWith("runtime/")) expect(content.split("\n").length, `${name}/${file}`).toBeLessThan(400);
      }
    }
  });

  it("name methods by operationId in camelCase, or by method and path without one", () => {
    const server = outputs.get("petstore")!.get("server.ts")!;
    for (const method of ["listPets(", "createPet(", "getPetsByPetId(", "deletePet(", "putPetsByPetIdPhoto("]) {
      expect(server).toContain(`  ${method}input`);
    }
    const notes = outputs.get("notes")!.get("client.ts")!;
    expect(notes).toContain("updateNote(input: { path: UpdateNotePath; query?: UpdateNoteQuery; body: NotePatch }");
    expect(notes).toContain("getHealth(options?: CallOptions): Promise<ApiResult<undefined, unknown>>");
  });

  it("export every component schema by name, even awkward ones", () => {
    const types = outputs.get("notes")!.get("schema.d.ts")!;
    expect(types).toContain('export type Note = components["schemas"]["Note"];');
    expect(types).toContain('export type NoteList = components["schemas"]["note-list"];');
    // Reserved words cannot be type names; GitHub's REST spec has both of these.
    expect(types).toContain('export type ImportSchema = components["schemas"]["import"];');
    expect(types).toContain('export type PackageSchema = components["schemas"]["package"];');
  });

  it("carry each parameter's own serialization style into the client", () => {
    const client = outputs.get("petstore")!.get("client.ts")!;
    expect(client).toContain('kinds: { style: "pipeDelimited", explode: false }');
    expect(client).toContain('tags: { style: "form", explode: true }');
    const notes = outputs.get("notes")!.get("client.ts")!;
    expect(notes).toContain('filter: { style: "deepObject", explode: true }');
  });

  it("compile under strict tsc, and reject what each spec forbids", async () => {
    await writeFile(
      path.join(work, "petstore-usage.ts"),
      `import type { Handlers, CreatePetResult, DeletePetResult, ListPetsInput } from "./petstore/server.js";
import { createApiClient } from "./petstore/client.js";
type Caller = { roles: string[] };
export const created: CreatePetResult = { status: 201, body: { id: 1, name: "Rex", kind: "dog" }, headers: { Location: "/pets/1" } };
// @ts-expect-error Location is a required header of the 201.
export const noLocation: CreatePetResult = { status: 201, body: { id: 1, name: "Rex", kind: "dog" } };
// @ts-expect-error kind is cat, dog or bird.
export const badKind: CreatePetResult = { status: 201, body: { id: 1, name: "Rex", kind: "fish" }, headers: { Location: "/" } };
export const deleted: DeletePetResult = { status: 204 };
// @ts-expect-error a 204 has no body.
export const deletedWithBody: DeletePetResult = { status: 204, body: "gone" };
export function limit(input: ListPetsInput<Caller>): number { return input.query.limit; }
// @ts-expect-error createPet has security: [] so its input has no caller.
export const noCaller: Handlers<Caller>["createPet"] = async ({ caller }) => ({ status: 422, contentType: "application/problem+json", body: { title: String(caller) } });
export async function calls(): Promise<void> {
  const client = createApiClient({ baseUrl: "http://127.0.0.1:1", auth: { bearer: "k" } });
  const pet = await client.getPetsByPetId({ path: { petId: 1 } });
  if (pet.data) { const name: string = pet.data.name; void name; }
  // @ts-expect-error the path parameter is required.
  await client.getPetsByPetId({});
  const xml = await client.listPets({ query: { tags: ["a"] } }, { accept: "application/xml" });
  const text: string | undefined = xml.data; void text;
}
`,
    );
    await writeFile(
      path.join(work, "notes-usage.ts"),
      `import type { UpdateNoteResult, GetHealthResult } from "./notes/server.js";
import type { ImportSchema, PackageSchema } from "./notes/schema.js";
export const imported: ImportSchema = { source: "csv" };
export const packaged: PackageSchema = { notes: [{ id: "n1", text: "hi" }] };
export const ok: UpdateNoteResult = { status: 200, body: { id: "n1", text: "hi", pinned: null } };
export const clientError: UpdateNoteResult = { status: 409, body: { message: "conflict" } };
export const healthy: GetHealthResult = { status: 204 };
// @ts-expect-error GET /health declares only 204.
export const unhealthy: GetHealthResult = { status: 500 };
`,
    );
    await writeFile(
      path.join(work, "edge-usage.ts"),
      `import type { PingResult, StartJobResult } from "./noResponses/server.js";
import { createApiClient } from "./noResponses/client.js";
import type { Option } from "./discriminator/schema.js";
export const pong: PingResult = { status: 200 };
export const accepted: StartJobResult = { status: 202 };
// @ts-expect-error no response declares content, so no result has a body.
export const withBody: StartJobResult = { status: 202, body: "x" };
export const one: Option = { kind: "Option One", size: 1 };
// @ts-expect-error the mapping by name ties "Option One" to OptionOneNoDisc, which has no label.
export const mixed: Option = { kind: "Option One", label: "x" };
export async function ping(): Promise<number> {
  const { response } = await createApiClient({ baseUrl: "http://127.0.0.1:1" }).ping();
  return response.status;
}
`,
    );
    await writeFile(
      path.join(work, "runtime-usage.ts"),
      `import type { GetItemInput, UploadInput, Role } from "./shop/server.js";
import type { Role as SecuredRole } from "./secured/server.js";
import { createApiClient } from "./shop/client.js";
export const id = (input: GetItemInput): number => input.path.id;
export const trace = (input: GetItemInput): string => input.headers["X-Trace-Id"];
export const session = (input: GetItemInput): string | undefined => input.cookies.session;
export const fileNames = (input: UploadInput): string[] => input.files.map((f) => f.fileName);
export const noRoles: Role[] = [];
export const scope: SecuredRole = "things:read";
// @ts-expect-error a role the spec does not list.
export const unknownScope: SecuredRole = "things:delete";
export async function calls(): Promise<void> {
  const api = createApiClient({ baseUrl: "http://127.0.0.1:1/api/v1" });
  await api.getItem({ path: { id: 1 }, headers: { "X-Trace-Id": "t" }, cookies: { session: "s" } });
  // @ts-expect-error the X-Trace-Id header is required.
  await api.getItem({ path: { id: 1 } });
  await api.upload({ body: new FormData() });
  await api.upload({ body: { title: "t" } });
}
`,
    );
    await writeFile(
      path.join(work, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          lib: ["ES2022", "DOM"],
          types: ["node"],
        },
        include: ["**/*.ts"],
      }),
    );
    const result = await run(process.execPath, [tsc, "-p", work]).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(result.stdout).toBe("");
  });
});

describe("what the generated server cannot serve", () => {
  const spec = (paths: object, extra: object = {}) => ({
    openapi: "3.1.0",
    info: { title: "unsupported", version: "1.0.0" },
    paths,
    ...extra,
  });
  const ok = { "200": { description: "ok" } };
  const cases: [string, object, RegExp][] = [
    [
      "an XML request body",
      spec({ "/x": { post: { requestBody: { content: { "application/xml": { schema: { type: "string" } } } }, responses: ok } } }),
      /POST \/x: no body parser for 'application\/xml'/,
    ],
    [
      "an object path parameter",
      spec({ "/x/{p}": { get: { parameters: [{ name: "p", in: "path", required: true, schema: { type: "object" } }], responses: ok } } }),
      /GET \/x\/\{p\}: path parameter 'p' is an object/,
    ],
    [
      "a mutualTLS scheme",
      spec({ "/x": { get: { responses: ok } } }, { components: { securitySchemes: { tls: { type: "mutualTLS" } } } }),
      /securitySchemes\.tls: mutualTLS/,
    ],
    [
      "a variable in a server URL's path",
      spec(
        { "/x": { get: { responses: ok } } },
        { servers: [{ url: "https://api.example.com/{version}", variables: { version: { default: "v1" } } }] },
      ),
      /servers: 'https:\/\/api\.example\.com\/\{version\}' has a variable in its path/,
    ],
  ];

  it.each(cases)("refuses %s at generation time, saying what and where", async (_name, document, message) => {
    const file = path.join(work, `unsupported-${_name.replace(/\W+/g, "-")}.json`);
    await writeFile(file, JSON.stringify(document));
    const failure = await generate({ specPath: file, lint: false }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(SpecError);
    expect((failure as Error).message).toMatch(/not supported by the generated server/);
    expect((failure as Error).message).toMatch(message);
  });
});

describe("npm run generate (the CLI)", () => {
  it("--check passes on the committed generated/ and names a stale file", async () => {
    const ok = await cli(["--check", "--no-lint"]);
    expect(ok.code, ok.stderr).toBe(0);

    const out = path.join(work, "check");
    await cp(path.join(root, "generated"), out, { recursive: true });
    await writeFile(path.join(out, "client.ts"), "// edited by hand\n");
    const stale = await cli(["--check", "--no-lint", "--out", out]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`stale: ${path.join(out, "client.ts")}`);
    expect(stale.stderr).not.toContain("server.ts");
  });

  it("reports a broken spec with file and line, and leaves the output untouched", async () => {
    const spec = path.join(work, "broken");
    await cp(path.join(root, "openapi"), spec, { recursive: true });
    await cp(path.join(root, "redocly.yaml"), path.join(work, "redocly.yaml"));
    const schema = path.join(spec, "schemas/TagColors.yaml");
    const lines = (await readFile(schema, "utf8")).split("\n");
    const enumLine = lines.findIndex((l) => l.startsWith("enum:"));
    lines.splice(enumLine + 1, 0, "  - 42");
    await writeFile(schema, lines.join("\n"));

    const out = path.join(work, "untouched");
    await cp(path.join(root, "generated"), out, { recursive: true });
    const before = await snapshot(out);

    const result = await cli(["--spec", path.join(spec, "openapi.yaml"), "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`schemas/TagColors\\.yaml:${enumLine + 2}:\\d+: error no-enum-type-mismatch`));
    expect(result.stderr).toContain("was left as it was");
    const after = await snapshot(out);
    expect(after).toEqual(before);
  });

  it("reports unparseable YAML with its line", async () => {
    const spec = path.join(work, "yaml-error.yaml");
    await writeFile(spec, "openapi: 3.1.0\ninfo:\n  title: x\n  version: [1\npaths: {}\n");
    const result = await cli(["--spec", spec, "--out", path.join(work, "never"), "--no-lint"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/yaml-error\.yaml[^\n]*\(\d+:\d+\)|yaml-error\.yaml:\d+/);
    expect(await staleOutputs(path.join(work, "never"), new Map([["server.ts", ""]]))).toEqual(["server.ts"]);
  });
});
