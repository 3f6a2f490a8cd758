// server.ts: the strict-server surface. Per operation an Input type, a Result union typed
// per status and content type, one method in `Handlers`; then the operation table the
// runtime router reads, and `createRouter`.
import type { OpenApiDocument } from "./document.js";
import { emitOperationSpec, emitSecuritySchemes } from "./emit-operation-table.js";
import { literal } from "./names.js";
import { defaultedQueryParameters, offeredContentTypes, type OperationModel, type ResponseModel } from "./operations.js";
import { essence, isJson } from "./runtime/media-types.js";
import { basePaths } from "./support.js";
import {
  docComment,
  errorType,
  parameterTypeName,
  requestBodyType,
  responseBodyType,
  responseKey,
  schemaImports,
  union,
  type SchemaNames,
} from "./type-refs.js";

function statusType(status: string): string {
  return /^[1-5][0-9][0-9]$/.test(status) ? status : "number";
}

function hasSecurity(op: OperationModel): boolean {
  return op.security.length > 0;
}

function authOptional(op: OperationModel): boolean {
  return op.security.some((requirement) => Object.keys(requirement).length === 0);
}

function queryType(op: OperationModel, base: string): string {
  const defaulted = defaultedQueryParameters(op).map((p) => literal(p.name));
  return defaulted.length > 0 ? `WithDefaults<${base}, ${defaulted.join(" | ")}>` : base;
}

/** The fields of one operation's Input interface, in a fixed order. */
export function inputFields(op: OperationModel, names: SchemaNames): string[] {
  const path = parameterTypeName(op, "path");
  const query = parameterTypeName(op, "query");
  const headers = parameterTypeName(op, "header");
  const fields: string[] = [];
  if (path) fields.push(`  path: ${path};`);
  if (query) fields.push(`  query: ${queryType(op, query)};`);
  if (headers) fields.push(`  headers: ${headers};`);
  const cookies = parameterTypeName(op, "cookie");
  if (cookies) fields.push(`  cookies: ${cookies};`);
  if (op.requestBody) {
    const bodies = op.requestBody.content.map((content) => requestBodyType(op, content, names));
    fields.push(`  body: ${union(bodies)}${op.requestBody.required ? "" : " | undefined"};`);
    if (op.requestBody.contentTypes.some((type) => essence(type) === "multipart/form-data"))
      fields.push(
        "  /** The files of a multipart body, in the order sent; `body` holds its other fields. */\n  files: readonly UploadedFile[];",
      );
  }
  if (hasSecurity(op)) fields.push(`  caller: TCaller${authOptional(op) ? " | undefined" : ""};`);
  const types = offeredContentTypes(op);
  if (types.length > 1)
    fields.push(
      `  /** The negotiated response content type (Accept, a format parameter, or the default). */\n  accept: ${union(types.map(literal))};`,
    );
  fields.push(`  /** The Express request, for what the spec does not describe (logging, aborts). */\n  request: Request;`);
  return fields;
}

/** One union member per status and content type. */
export function resultMembers(op: OperationModel, response: ResponseModel, names: SchemaNames): string[] {
  const ref = `${op.typeRef}["responses"][${responseKey(response.status)}]`;
  const headerRequired = response.headers.some((h) => h.required);
  const headers = response.headers.length > 0 ? `; headers${headerRequired ? "" : "?"}: ${ref}["headers"]` : "";
  const status = `status: ${statusType(response.status)}`;
  // Only success bodies may stream: an error body is small and always validated.
  const streams = response.status.startsWith("2");
  if (response.content.length === 0) return [`{ ${status}${headers} }`];
  return response.content.map((content, index) => {
    const contentType = `contentType${index === 0 ? "?" : ""}: ${literal(content.type)}`;
    const body = responseBodyType(op, response, content, names);
    const bodyType = !isJson(content.type) ? "TextBody" : streams ? `${body} | JsonText<${body}> | JsonStream<${body}>` : body;
    return `{ ${status}; ${contentType}; body: ${bodyType}${headers} }`;
  });
}

export function emitOperationTypes(op: OperationModel, names: SchemaNames): string {
  const generic = hasSecurity(op) ? "<TCaller>" : "";
  const members = op.responses.flatMap((response) => resultMembers(op, response, names));
  return [
    docComment(op),
    `export interface ${op.typeName}Input${generic} {`,
    ...inputFields(op, names),
    "}",
    "",
    `export type ${op.typeName}Result =`,
    ...members.map((m) => `  | ${m}`),
    ";",
  ]
    .join("\n")
    .replace("\n;", ";");
}

function handlerMethod(op: OperationModel): string {
  const input = `${op.typeName}Input${hasSecurity(op) ? "<TCaller>" : ""}`;
  const result = `${op.typeName}Result`;
  return `  ${docComment(op).replace(/\n/g, "\n  ")}\n  ${op.name}(input: ${input}): Promise<${result}> | ${result};`;
}

/** Every role name the operations' security requirements list, under any scheme, in spec order. */
export function roleNames(ops: readonly OperationModel[]): string[] {
  return [...new Set(ops.flatMap((op) => op.security.flatMap((requirement) => Object.values(requirement).flat())))];
}

export function emitServer(doc: OpenApiDocument, ops: OperationModel[], names: SchemaNames, header: string): string {
  const anySecurity = ops.some(hasSecurity);
  const usesDefaults = ops.some((op) => defaultedQueryParameters(op).length > 0);
  const operationTypes = ops.map((op) => emitOperationTypes(op, names)).join("\n\n");
  const mentioned = new Set(operationTypes.match(/\w+/g));
  const handlerTypes = ["Caller", "RouterOptions", ...["TextBody", "UploadedFile"].filter((name) => mentioned.has(name))];
  const schemaTypes = schemaImports(operationTypes, ops, names);
  return [
    header,
    `import { readFileSync } from "node:fs";`,
    `import type { Request, RequestHandler } from "express";`,
    ...(schemaTypes.length > 0 ? [`import type { ${schemaTypes.join(", ")} } from "./schema.js";`] : []),
    `import type { ${handlerTypes.join(", ")} } from "./runtime/handler.js";`,
    ...(mentioned.has("JsonStream") ? [`import type { JsonStream } from "./runtime/json-stream.js";`] : []),
    ...(mentioned.has("JsonText") ? [`import type { JsonText } from "./runtime/json-text.js";`] : []),
    `import { createOperationRouter } from "./runtime/router.js";`,
    `import type { ApiSpec } from "./runtime/spec.js";`,
    "",
    `export { clientUrl } from "./runtime/binding.js";`,
    `export { responseHeaders, setDefaultHeaders } from "./runtime/default-headers.js";`,
    `export { errorHandler, notFoundHandler } from "./runtime/errors.js";`,
    `export { createHttpServer } from "./runtime/http-server.js";`,
    `export type { Caller, Credentials, FieldFailure, RouterFailure, RouterOptions, TextBody, UploadedFile } from "./runtime/handler.js";`,
    `export { type JsonStream, streamJsonArray } from "./runtime/json-stream.js";`,
    `export { JsonText, type Spliced } from "./runtime/json-text.js";`,
    ...(usesDefaults
      ? [
          "",
          "/** Parameters with a spec default are always present once the router has applied it. */",
          "type WithDefaults<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };",
        ]
      : []),
    "",
    operationTypes,
    "",
    "/** One method per operation; a handler cannot return a status or body the spec does not declare. */",
    `export interface Handlers${anySecurity ? "<TCaller extends Caller = Caller>" : ""} {`,
    ops.map(handlerMethod).join("\n"),
    "}",
    "",
    "/** The role names the spec's security requirements list: the router admits a caller holding any one an operation lists. */",
    `export type Role = ${union(roleNames(ops).map(literal))};`,
    "",
    "/** The error bodies the spec declares: what `RouterOptions.errorBody` must return. */",
    `export type ErrorBody = ${errorType(ops, names)};`,
    "",
    "export const apiSpec: ApiSpec = {",
    `  document: JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8")) as object,`,
    `  basePaths: [${basePaths(doc).map(literal).join(", ")}],
  securitySchemes: ${emitSecuritySchemes(doc, ops)},`,
    "  operations: [",
    ops.map(emitOperationSpec).join("\n"),
    "  ],",
    "};",
    "",
    "/** Mounts every operation: security, lenient binding, request and response validation, the error shape. */",
    anySecurity
      ? "export function createRouter<TCaller extends Caller>(handlers: Handlers<TCaller>, options: RouterOptions<TCaller, ErrorBody>): RequestHandler {"
      : "export function createRouter(handlers: Handlers, options: RouterOptions<Caller, ErrorBody>): RequestHandler {",
    "  return createOperationRouter(apiSpec, handlers, options);",
    "}",
    "",
  ].join("\n");
}
