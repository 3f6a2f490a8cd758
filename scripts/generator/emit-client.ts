// client.ts: one method per operation on top of openapi-fetch, each with its parameters'
// own serialization styles, overloads per response content type, and typed error bodies.
import { type OpenApiDocument, resolve } from "./document.js";
import { literal, propertyKey } from "./names.js";
import { isSuccess, offeredContentTypes, type OperationModel, type ParameterModel } from "./operations.js";
import { essence, isJson } from "./runtime/media-types.js";
import {
  docComment,
  errorType,
  parameterTypeName,
  requestBodyType,
  responseBodyType,
  schemaImports,
  type SchemaNames,
  union,
} from "./type-refs.js";

/** The JSON body of every success response that offers `contentType`. */
function dataType(op: OperationModel, contentType: string, names: SchemaNames): string {
  return union(
    op.responses
      .filter(isSuccess)
      .flatMap((r) => r.content.filter((c) => c.type === contentType).map((c) => responseBodyType(op, r, c, names))),
  );
}

/** Only-query operations take the query itself; others take `{ path, query, headers, body }`. */
interface ParamsShape {
  /** The first parameter as the public overloads declare it. */
  declaration: string;
  optional: boolean;
  /** The same parameter in the one loosely typed implementation behind the overloads. */
  loose: string;
  /** How the implementation turns it into openapi-fetch's `params` (and `body`). */
  build: string;
}

function paramsShape(op: OperationModel, names: SchemaNames): ParamsShape | undefined {
  const requiredIn = (location: ParameterModel["in"]) => op.parameters.some((p) => p.in === location && p.required);
  const path = parameterTypeName(op, "path");
  const query = parameterTypeName(op, "query");
  const headers = parameterTypeName(op, "header");
  const cookies = parameterTypeName(op, "cookie");
  if (!path && !headers && !cookies && !op.requestBody) {
    if (!query) return undefined;
    return {
      declaration: `query${requiredIn("query") ? "" : "?"}: ${query}`,
      optional: !requiredIn("query"),
      loose: "query?: object",
      build: "params: { query }",
    };
  }
  const fields: string[] = [];
  if (path) fields.push(`path: ${path}`);
  if (query) fields.push(`query${requiredIn("query") ? "" : "?"}: ${query}`);
  if (headers) fields.push(`headers${requiredIn("header") ? "" : "?"}: ${headers}`);
  if (cookies) fields.push(`cookies${requiredIn("cookie") ? "" : "?"}: ${cookies}`);
  if (op.requestBody) {
    const bodies = op.requestBody.content.map((content) => requestBodyType(op, content, names));
    // A ready FormData is sent as it is: the way to attach files with their names and types.
    if (op.requestBody.contentTypes.some((type) => essence(type) === "multipart/form-data")) bodies.push("FormData");
    fields.push(`body${op.requestBody.required ? "" : "?"}: ${union(bodies)}`);
  }
  const optional = !path && !requiredIn("query") && !requiredIn("header") && !requiredIn("cookie") && !op.requestBody?.required;
  return {
    declaration: `input${optional ? "?" : ""}: { ${fields.join("; ")} }`,
    optional,
    loose: "input?: Input",
    build: "params: { path: input?.path, query: input?.query, header: input?.headers, cookie: input?.cookies }, body: input?.body",
  };
}

/** One overload per content type a success response offers (two for non-JSON: text, stream). */
export function overloads(op: OperationModel, names: SchemaNames): string[] {
  const params = paramsShape(op, names);
  const types = offeredContentTypes(op);
  const error = errorType([op], names);
  const signatures: string[] = [];
  const bodyTypes = op.requestBody?.contentTypes ?? [];
  // With several request content types the caller picks one; the first is the default.
  const callOptions = bodyTypes.length > 1 ? `CallOptions & { contentType?: ${union(bodyTypes.map(literal))} }` : "CallOptions";
  if (types.length === 0) {
    const first = params ? `${params.declaration}, ` : "";
    return [`${op.name}(${first}options?: ${callOptions}): Promise<ApiResult<undefined, ${error}>>;`];
  }
  types.forEach((type, index) => {
    const isDefault = index === 0;
    const accept = types.length > 1 ? `accept${isDefault ? "?" : ""}: ${literal(type)}` : undefined;
    const variants = isJson(type)
      ? [{ as: undefined, data: dataType(op, type, names) }]
      : [
          { as: `as?: "text"`, data: "string" },
          { as: `as: "stream"`, data: "ByteStream" },
        ];
    for (const variant of variants) {
      const extra = [accept, variant.as].filter(Boolean);
      const optionsRequired = extra.some((e) => !e!.includes("?:"));
      const optionsType = extra.length > 0 ? `${callOptions} & { ${extra.join("; ")} }` : callOptions;
      let first = "";
      if (params) {
        first = optionsRequired && params.optional ? `${params.declaration.replace("?:", ":")} | undefined, ` : `${params.declaration}, `;
      }
      signatures.push(
        `${op.name}(${first}options${optionsRequired ? "" : "?"}: ${optionsType}): Promise<ApiResult<${variant.data}, ${error}>>;`,
      );
    }
  });
  return signatures;
}

function hasQuery(op: OperationModel): boolean {
  return op.parameters.some((p) => p.in === "query");
}

function stylesConst(op: OperationModel): string {
  const entries = op.parameters
    .filter((p) => p.in === "query")
    .map((p) => `  ${propertyKey(p.name)}: { style: ${literal(p.style)}, explode: ${p.explode} },`);
  return `const ${op.name}Styles: Record<string, QueryStyle> = {\n${entries.join("\n")}\n};`;
}

/** The path template as openapi-fetch reads styles from it: `{.id}` label, `{;id}` matrix, `*` explode. */
export function clientPath(op: OperationModel): string {
  return op.path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const parameter = op.parameters.find((p) => p.in === "path" && p.name === name);
    if (!parameter) return whole;
    const prefix = parameter.style === "label" ? "." : parameter.style === "matrix" ? ";" : "";
    return `{${prefix}${name}${parameter.explode ? "*" : ""}}`;
  });
}

function implementation(op: OperationModel): string {
  const params = paramsShape(op, new Map());
  const types = offeredContentTypes(op);
  const defaultType = types[0];
  const args = params ? params.loose : "";
  const fields = [
    `method: ${literal(op.method.toUpperCase())}`,
    `path: ${literal(clientPath(op))}`,
    params ? params.build : "params: {}",
    ...(op.requestBody?.contentTypes[0] ? [`contentType: options.contentType ?? ${literal(op.requestBody.contentTypes[0])}`] : []),
    ...(hasQuery(op) ? [`styles: ${op.name}Styles`] : []),
    ...(defaultType ? [`accept: options.accept ?? ${literal(defaultType)}`] : []),
    "as: options.as",
    "options",
  ];
  return `    ${op.name}: (${args ? `${args}, ` : ""}options: Options = {}) =>\n      send({ ${fields.join(", ")} }),`;
}

/** The spec's apiKey schemes, by name: where `auth: { apiKey }` puts the key. */
function apiKeySchemes(doc: OpenApiDocument): string {
  const entries = Object.entries(doc.components?.securitySchemes ?? {})
    .map(([name, node]) => [name, resolve(doc, node)] as const)
    .filter(([, scheme]) => scheme.type === "apiKey")
    .map(([name, scheme]) => `  ${propertyKey(name)}: { in: ${literal(scheme.in ?? "header")}, name: ${literal(scheme.name ?? "")} },`);
  return entries.length > 0 ? `{\n${entries.join("\n")}\n}` : "{}";
}

export function emitClient(doc: OpenApiDocument, ops: OperationModel[], names: SchemaNames, header: string): string {
  const methods = ops
    .map(
      (op) =>
        `  ${docComment(op).replace(/\n/g, "\n  ")}\n${overloads(op, names)
          .map((s) => `  ${s}`)
          .join("\n")}`,
    )
    .join("\n");
  const schemaTypes = schemaImports(methods, ops, names);
  return [
    header,
    ...(schemaTypes.length > 0 ? [`import type { ${schemaTypes.join(", ")} } from "./schema.js";`] : []),
    ...(ops.some(hasQuery) ? [`import type { QueryStyle } from "./runtime/client-serialize.js";`] : []),
    `import type { ApiKeyScheme } from "./runtime/client-auth.js";`,
    `import { type ApiResult, ${methods.includes("ByteStream") ? "type ByteStream, " : ""}type CallOptions, type ClientOptions, createTransport } from "./runtime/client-transport.js";`,
    "",
    `export type { ApiResult, ByteStream, CallOptions, ClientAuth, ClientOptions } from "./runtime/client-transport.js";`,
    "",
    "/** One method per operation, named by its operationId; the first content type is the default. */",
    "export interface ApiClient {",
    methods,
    "}",
    "",
    ...(ops.some(hasQuery) ? ["// How each operation's query parameters are written, as the spec says (style, explode)."] : []),
    ops.filter(hasQuery).map(stylesConst).join("\n"),
    "",
    'type Options = CallOptions & { accept?: string; as?: "text" | "stream"; contentType?: string };',
    ...(ops.some((op) => paramsShape(op, names)?.loose.startsWith("input"))
      ? ["type Input = { path?: object; query?: object; headers?: object; cookies?: object; body?: unknown };"]
      : []),
    "",
    "/** The spec's apiKey schemes: where `auth: { apiKey, scheme }` puts the key. */",
    `const apiKeySchemes: Record<string, ApiKeyScheme> = ${apiKeySchemes(doc)};`,
    "",
    "export function createApiClient(options: ClientOptions): ApiClient {",
    "  const send = createTransport(options, apiKeySchemes);",
    "  // The overloads above carry the types; the implementations share one loose signature.",
    "  const client = {",
    ops.map(implementation).join("\n"),
    "  };",
    "  return client as unknown as ApiClient;",
    "}",
    "",
  ].join("\n");
}
