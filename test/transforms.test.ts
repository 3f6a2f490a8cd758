// The generator's pure pieces, each on its own: names, parameter models, lenient binding,
// the router's path matching and step chain, and client-side serialization.
import { describe, expect, it } from "vitest";
import { queryBinding } from "../scripts/generator/runtime/binding.js";
import { validatorFieldFailure } from "../scripts/generator/runtime/field-failures.js";
import { serializeParameter } from "../scripts/generator/runtime/client-serialize.js";
import { RouterError } from "../scripts/generator/runtime/errors.js";
import { forMethod, pathTable } from "../scripts/generator/runtime/path-match.js";
import { chain, fromMiddleware, type Step } from "../scripts/generator/runtime/step-chain.js";
import { byteStream } from "../scripts/generator/runtime/client-transport.js";
import type { QueryParameterSpec } from "../scripts/generator/runtime/spec.js";
import { camelCase, operationNameFromRoute, pascalCase } from "../scripts/generator/names.js";
import { roleNames } from "../scripts/generator/emit-server.js";
import { normalize } from "../scripts/generator/normalize.js";
import { toOperationModels, toParameterModel } from "../scripts/generator/operations.js";
import type { OpenApiDocument } from "../scripts/generator/document.js";

describe("names", () => {
  it("camel-cases operationIds of every spelling", () => {
    expect(camelCase("ListCustomers")).toBe("listCustomers");
    expect(camelCase("list-customers")).toBe("listCustomers");
    expect(camelCase("get_pet_by_ID")).toBe("getPetById");
    expect(camelCase("HTTPStatus")).toBe("httpStatus");
    expect(pascalCase("update_note")).toBe("UpdateNote");
  });

  it("names an operation without operationId by method and path", () => {
    expect(operationNameFromRoute("get", "/pets/{petId}/toys")).toBe("getPetsByPetIdToys");
    expect(operationNameFromRoute("post", "/")).toBe("post");
  });
});

describe("toParameterModel", () => {
  const doc = {
    openapi: "3.1.0",
    components: { schemas: { Order: { type: "string", enum: ["Ascend", "Descend"] } } },
  } as unknown as OpenApiDocument;

  it("defaults style and explode by location, as OpenAPI does", () => {
    expect(toParameterModel(doc, { name: "q", in: "query", schema: { type: "string" } })).toMatchObject({
      style: "form",
      explode: true,
      kind: "scalar",
    });
    expect(toParameterModel(doc, { name: "id", in: "path", schema: { type: "string" } })).toMatchObject({
      style: "simple",
      explode: false,
      required: true,
    });
  });

  it("follows $refs to find enum values, for arrays too", () => {
    expect(toParameterModel(doc, { name: "o", in: "query", schema: { $ref: "#/components/schemas/Order" } }).enumValues).toEqual([
      "Ascend",
      "Descend",
    ]);
    const list = toParameterModel(doc, {
      name: "os",
      in: "query",
      explode: false,
      schema: { type: "array", items: { $ref: "#/components/schemas/Order" } },
    });
    expect(list).toMatchObject({ kind: "array", explode: false, enumValues: ["Ascend", "Descend"] });
  });

  it("reads 3.1 type arrays", () => {
    expect(toParameterModel(doc, { name: "b", in: "query", schema: { type: ["boolean", "null"] } }).valueType).toBe("boolean");
  });
});

describe("queryBinding", () => {
  const params: QueryParameterSpec[] = [
    { name: "tagIds", array: true, delimiter: "," },
    { name: "tags", array: true },
    { name: "sortOrder", array: false, enum: ["Ascend", "Descend"] },
    { name: "all", array: false, type: "boolean" },
    { name: "page", array: false, type: "integer", default: 0 },
    { name: "ratios", array: true, delimiter: ",", type: "number" },
    { name: "nameFilter", array: false },
  ];
  const bind = queryBinding(params);

  it("hands the handler typed values with defaults, lists as arrays", () => {
    expect(bind("tagids=a,b&Page=3").values).toEqual({ tagIds: ["a", "b"], page: 3 });
    expect(bind("").values).toEqual({ page: 0 });
  });

  it("gives each request values of its own, also when it sent no query", () => {
    const first = bind("");
    first.values.page = 7;
    expect(bind("").values).toEqual({ page: 0 });
  });

  it("writes one canonical, strictly encoded query", () => {
    expect(bind("TAGIDS=[a,b]&tagids=c&SortOrder=descend&ALL=TRUE")).toMatchObject({
      query: "tagIds=a,b,c&sortOrder=Descend&all=true",
      errors: [],
    });
    expect(bind("nameFilter=O'Brien%20(x)!*").query).toBe("nameFilter=O%27Brien%20%28x%29%21%2A");
  });

  it("keeps commas inside exploded lists, where the comma is data", () => {
    expect(bind("tags=a,b&tags=c").query).toBe("tags=a%2Cb&tags=c");
  });

  it("skips empty values and reports unknown and repeated names once each", () => {
    expect(bind("nameFilter=&tagIds=&x=1&X=2&sortOrder=Ascend&sortorder=Descend")).toEqual({
      query: "sortOrder=Ascend",
      values: { sortOrder: "Ascend", page: 0 },
      errors: [
        { field: "x", code: "NotAllowed", message: "'x' is not a parameter of this operation." },
        { field: "X", code: "NotAllowed", message: "'X' is not a parameter of this operation." },
        { field: "sortOrder", code: "Repeated", message: "'sortOrder' is given more than once." },
      ],
    });
  });

  it("checks the text of numbers and booleans before the validator coerces it", () => {
    expect(bind("page= 12 &ratios=1.5,-2e3,.5&all=FALSE")).toEqual({
      query: "all=false&page=12&ratios=1.5,-2e3,.5",
      values: { all: false, page: 12, ratios: [1.5, -2000, 0.5] },
      errors: [],
    });
    for (const bad of [
      "page=0x10",
      "page=1e309",
      "page=2.5",
      "page=99999999999999999999",
      "page=abc",
      "ratios=1,NaN",
      "ratios=Infinity",
      "all=yes",
    ]) {
      const { errors } = bind(bad);
      expect(errors, bad).toHaveLength(1);
      expect(errors[0]!.code, bad).toBe("Type");
    }
    expect(bind("page=abc").errors[0]!.message).toBe("'page' must be an integer.");
  });

  it("refuses a flood of pairs before doing any work on them", () => {
    const flood = Array.from({ length: 300 }, (_, i) => `tagIds=${i}`).join("&");
    expect(bind(flood).errors[0]?.code).toBe("TooManyParameters");
  });
});

describe("pathTable", () => {
  const find = pathTable([
    ["/customers", "list"],
    ["/items/{id}", "item"],
    ["/files/{name}.{ext}", "file"],
    ["/a(b)", "literal"],
  ]);

  it("matches as Express's router did: any case, one trailing slash, nothing more", () => {
    for (const path of ["/customers", "/Customers", "/customers/"]) expect(find(path)?.value, path).toBe("list");
    for (const path of ["/customers/x", "/customersx", "/customers//", "/a(b)x", "/ab"]) expect(find(path), path).toBeUndefined();
    expect(find("/a(b)")?.value).toBe("literal");
  });

  it("hands over parameters percent-decoded, one segment each", () => {
    expect(find("/items/a%20b%2Fc")).toEqual({ value: "item", params: { id: "a b/c" } });
    expect(find("/files/report.tar.gz")?.params).toEqual({ name: "report", ext: "tar.gz" });
    expect(find("/items/")).toBeUndefined();
    expect(find("/items/a/b")).toBeUndefined();
  });

  it("answers HEAD with GET unless HEAD is declared, and nothing else for another method", () => {
    expect(forMethod(new Map([["GET", "get"]]), "HEAD")).toBe("get");
    expect(
      forMethod(
        new Map([
          ["GET", "get"],
          ["HEAD", "head"],
        ]),
        "HEAD",
      ),
    ).toBe("head");
    expect(forMethod(new Map([["GET", "get"]]), "POST")).toBeUndefined();
    expect(forMethod(new Map([["POST", "post"]]), "HEAD")).toBeUndefined();
  });

  it("answers a parameter that is not valid percent-encoding with a 400 naming it", () => {
    let thrown: unknown;
    try {
      find("/items/%E0%A4%A");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RouterError);
    expect((thrown as RouterError).failure).toMatchObject({ status: 400, errors: [{ field: "id", code: "Format" }] });
  });
});

describe("chain", () => {
  type Ran = { ran: string[]; errors: unknown[] };
  const run = async (steps: Parameters<typeof chain>[0]): Promise<Ran> => {
    const result: Ran = { ran: [], errors: [] };
    const handle = chain(steps, (error) => result.errors.push(error));
    await handle({ ran: result.ran } as never, {} as never, () => result.ran.push("handed on"));
    return result;
  };
  const step =
    (name: string): Step =>
    (req) => {
      (req as unknown as { ran: string[] }).ran.push(name);
    };

  it("runs steps in order, waiting for those that return a promise", async () => {
    const slow: Step = async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      (req as unknown as { ran: string[] }).ran.push("slow");
    };
    expect(await run([step("a"), slow, step("b")])).toEqual({ ran: ["a", "slow", "b"], errors: [] });
  });

  it("stops at the first error, thrown or rejected, and hands it to the error handler", async () => {
    const boom = new Error("boom");
    const throwing: Step = () => {
      throw boom;
    };
    expect(await run([step("a"), throwing, step("b")])).toEqual({ ran: ["a"], errors: [boom] });
    expect(await run([async () => Promise.reject(boom), step("b")])).toEqual({ ran: [], errors: [boom] });
  });

  it("runs Express middleware: next() goes on, next(error) fails, and a later next(error) still answers", async () => {
    const boom = new Error("boom");
    const late = new Error("response check");
    let callLater: ((error: unknown) => void) | undefined;
    const remembers = fromMiddleware((_req, _res, next) => {
      callLater = next;
      next();
    });
    const result = await run([remembers, step("after")]);
    expect(result).toEqual({ ran: ["after"], errors: [] });
    callLater?.(late);
    expect(result.errors).toEqual([late]);
    expect(await run([fromMiddleware((_req, _res, next) => next(boom)), step("after")])).toEqual({ ran: [], errors: [boom] });
  });
});

describe("serializeParameter", () => {
  it("writes each style as OpenAPI defines it", () => {
    expect(serializeParameter("ids", ["a", "b c"], { style: "form", explode: false })).toEqual(["ids=a,b%20c"]);
    expect(serializeParameter("ids", ["a", "b"], { style: "form", explode: true })).toEqual(["ids=a", "ids=b"]);
    expect(serializeParameter("ids", ["a", "b"], { style: "pipeDelimited", explode: false })).toEqual(["ids=a|b"]);
    expect(serializeParameter("ids", ["a", "b"], { style: "spaceDelimited", explode: false })).toEqual(["ids=a%20b"]);
    expect(serializeParameter("f", { color: "red" }, { style: "deepObject", explode: true })).toEqual(["f%5Bcolor%5D=red"]);
    expect(serializeParameter("f", { a: 1, b: 2 }, { style: "form", explode: false })).toEqual(["f=a,1,b,2"]);
  });

  it("leaves out undefined, null and empty lists", () => {
    expect(serializeParameter("x", undefined, { style: "form", explode: true })).toEqual([]);
    expect(serializeParameter("x", [], { style: "form", explode: false })).toEqual([]);
  });

  it("percent-encodes a comma inside an item rather than emitting a separator", () => {
    expect(serializeParameter("ids", ["a,b", "c"], { style: "form", explode: false })).toEqual(["ids=a%2Cb,c"]);
  });
});

describe("facts the generator reads from the spec", () => {
  const doc = {
    openapi: "3.1.0",
    paths: {
      "/a": {
        get: {
          security: [{ basic: ["Admin", "Clerk"] }, { key: ["Clerk", "Auditor"] }],
          parameters: [
            { name: "format", in: "query", schema: { type: "string", enum: ["json", "csv"] } },
            { name: "as", in: "query", "x-format-parameter": true, schema: { type: "string" } },
          ],
          responses: { "200": { description: "ok" } },
        },
      },
      "/b": { get: { security: [{ oauth: ["read:things"] }, {}], responses: { "204": { description: "none" } } } },
    },
  } as unknown as OpenApiDocument;

  it("takes the format parameter from x-format-parameter, not from a parameter's name", () => {
    const [a] = toOperationModels(doc);
    expect(a!.parameters.map((p) => [p.name, p.formatParameter])).toEqual([
      ["format", false],
      ["as", true],
    ]);
  });

  it("rejects x-format-parameter on anything but one scalar query parameter", () => {
    const twice = structuredClone(doc) as unknown as { paths: { "/a": { get: { parameters: Record<string, unknown>[] } } } };
    twice.paths["/a"].get.parameters[0]!["x-format-parameter"] = true;
    expect(() => toOperationModels(twice as unknown as OpenApiDocument)).toThrow(/x-format-parameter/);
  });

  it("collects the role names of every security requirement, under any scheme, once each", () => {
    expect(roleNames(toOperationModels(doc))).toEqual(["Admin", "Clerk", "Auditor", "read:things"]);
  });
});

describe("normalize", () => {
  const withMapping = (mapping: Record<string, string>) =>
    ({
      openapi: "3.1.0",
      components: {
        schemas: {
          Pet: { oneOf: [], discriminator: { propertyName: "kind", mapping }, example: { discriminator: { mapping: { a: "Cat" } } } },
          Cat: { type: "object" },
          "a/b": { type: "object" },
        },
      },
    }) as unknown as OpenApiDocument;

  it("turns discriminator mapping values that are schema names into refs, and leaves refs and examples alone", () => {
    const doc = normalize(withMapping({ cat: "Cat", other: "#/components/schemas/a~1b" }));
    const pet = doc.components!.schemas!.Pet as { discriminator: { mapping: object }; example: object };
    expect(pet.discriminator.mapping).toEqual({ cat: "#/components/schemas/Cat", other: "#/components/schemas/a~1b" });
    expect(pet.example).toEqual({ discriminator: { mapping: { a: "Cat" } } });
  });

  it("names a mapping value that is neither a ref nor a schema", () => {
    expect(() => normalize(withMapping({ dog: "Dog" }))).toThrow(/'dog': 'Dog' is neither a reference nor a component schema name/);
  });
});

describe("validatorFieldFailure", () => {
  it("speaks ServiceStack's validation codes and wording", () => {
    const failure = (errorCode: string, path: string, message: string) => validatorFieldFailure({ errorCode, path, message });
    expect(failure("maximum.openapi.validation", "/query/countPerPage", "must be <= 1000")).toEqual({
      field: "countPerPage",
      code: "LessThanOrEqual",
      message: "'countPerPage' must be less than or equal to 1000.",
    });
    expect(failure("minimum.openapi.validation", "/query/page", "must be >= 0")).toMatchObject({
      code: "GreaterThanOrEqual",
      message: "'page' must be greater than or equal to 0.",
    });
    expect(failure("enum.openapi.validation", "/query/sortField", "must be equal to one of the allowed values: id, name")).toEqual({
      field: "sortField",
      code: "InvalidEnumValue",
      message: "'sortField' must be one of: id, name.",
    });
    expect(failure("required.openapi.validation", "/body", "must have required property 'name'")).toMatchObject({
      code: "NotEmpty",
      message: "'name' must not be empty.",
    });
    expect(failure("additionalProperties.openapi.validation", "/query/bogus", "Unknown query parameter 'bogus'")).toMatchObject({
      code: "NotAllowed",
      message: "'bogus' is not a parameter of this operation.",
    });
    expect(failure("maxLength.openapi.validation", "/query/nameFilter", "must NOT have more than 64 characters")).toMatchObject({
      code: "MaximumLength",
      message: "'nameFilter' must NOT have more than 64 characters.",
    });
  });
});

describe("byteStream", () => {
  it("makes a stream without an async iterator iterable through its reader", async () => {
    const real = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("a,"));
        controller.enqueue(new TextEncoder().encode("b"));
        controller.close();
      },
    });
    // What Safari hands out: a ReadableStream with getReader and no Symbol.asyncIterator.
    const bare = { getReader: () => real.getReader() } as unknown as ReadableStream<Uint8Array>;
    expect(Symbol.asyncIterator in bare).toBe(false);
    let text = "";
    for await (const chunk of byteStream(bare)) text += new TextDecoder().decode(chunk);
    expect(text).toBe("a,b");
  });
});
