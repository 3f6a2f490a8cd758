// One pure transform per kind of spec node: parameter, request body, response, security,
// operation. Emitters read only these models, never the raw document.
import {
  httpMethods,
  primaryType,
  refPath,
  resolve,
  type HttpMethod,
  type MediaTypeObject,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
  type RequestBodyObject,
  type ResponseObject,
  type SchemaObject,
  type SecurityRequirement,
} from "./document.js";
import { camelCase, operationNameFromRoute, pascalCase } from "./names.js";
import { essence, successContentTypes } from "./runtime/media-types.js";

export interface ParameterModel {
  name: string;
  in: ParameterObject["in"];
  required: boolean;
  style: string;
  explode: boolean;
  kind: "array" | "object" | "scalar";
  /** The JSON type of the value, or of each item of an array. */
  valueType: "string" | "integer" | "number" | "boolean" | "object" | "unknown";
  /** Enum values of the value (or of each item), as strings, for case-insensitive binding. */
  enumValues?: string[];
  /** The schema's default, applied by the router when the parameter is absent. */
  defaultValue?: unknown;
  /** `x-format-parameter: true`: its value (`csv`) picks a response content type by subtype. */
  formatParameter: boolean;
}

/** A media type, and the component schema it names directly (for readable type names). */
export interface ContentModel {
  type: string;
  schemaName?: string;
}

export interface ResponseModel {
  /** "200", "4XX" or "default", as the spec writes it. */
  status: string;
  contentTypes: string[];
  content: ContentModel[];
  headers: { name: string; required: boolean }[];
}

export interface RequestBodyModel {
  required: boolean;
  contentTypes: string[];
  content: ContentModel[];
  /** Non-string top-level fields of a form-urlencoded body: their text is typed before validation. */
  formFields: Record<string, "integer" | "number" | "boolean">;
}

export interface OperationModel {
  /** The method name in Handlers and in the client: `listCustomers`. */
  name: string;
  /** The stem of its generated type names: `ListCustomers`. */
  typeName: string;
  /** The openapi-typescript type that describes it: `operations["ListCustomers"]`. */
  typeRef: string;
  method: HttpMethod;
  path: string;
  summary?: string;
  deprecated: boolean;
  parameters: ParameterModel[];
  requestBody?: RequestBodyModel;
  responses: ResponseModel[];
  security: SecurityRequirement[];
}

function defaultStyle(location: ParameterObject["in"]): string {
  return location === "query" || location === "cookie" ? "form" : "simple";
}

function enumValues(doc: OpenApiDocument, schema: SchemaObject | undefined): string[] | undefined {
  if (!schema) return undefined;
  const resolved = resolve(doc, schema);
  const values = resolved.enum?.filter((v) => v !== null).map(String);
  return values && values.length > 0 ? values : undefined;
}

export function toParameterModel(doc: OpenApiDocument, node: ParameterObject): ParameterModel {
  const parameter = resolve(doc, node);
  const schema = parameter.schema ? resolve(doc, parameter.schema) : Object.values(parameter.content ?? {})[0]?.schema;
  const type = primaryType(schema ? resolve(doc, schema) : undefined);
  const style = parameter.style ?? defaultStyle(parameter.in);
  const kind = type === "array" ? "array" : type === "object" ? "object" : "scalar";
  const values = kind === "array" ? enumValues(doc, schema?.items) : enumValues(doc, schema);
  const valueSchema = kind === "array" && schema?.items ? resolve(doc, schema.items) : schema ? resolve(doc, schema) : undefined;
  const valueType = primaryType(valueSchema);
  const valueDefault = schema ? resolve(doc, schema).default : undefined;
  return {
    name: parameter.name,
    in: parameter.in,
    required: parameter.in === "path" ? true : parameter.required === true,
    style,
    explode: parameter.explode ?? style === "form",
    kind,
    valueType:
      valueType === "string" || valueType === "integer" || valueType === "number" || valueType === "boolean" || valueType === "object"
        ? valueType
        : "unknown",
    ...(values ? { enumValues: values } : {}),
    ...(valueDefault !== undefined ? { defaultValue: valueDefault } : {}),
    formatParameter: parameter[formatExtension] === true,
  };
}

/** The spec extension that marks the query parameter choosing the response format. */
export const formatExtension = "x-format-parameter";

/** The component schema a `$ref` names directly, if it names one. */
function componentSchemaName(ref: string | undefined): string | undefined {
  if (!ref?.startsWith("#/")) return undefined;
  const [components, schemas, name, ...rest] = refPath(ref);
  return components === "components" && schemas === "schemas" && rest.length === 0 ? name : undefined;
}

export function toContentModels(content: Record<string, MediaTypeObject> | undefined): ContentModel[] {
  return Object.entries(content ?? {}).map(([type, media]) => {
    const schemaName = componentSchemaName(media.schema?.$ref);
    return schemaName ? { type, schemaName } : { type };
  });
}

function formFields(doc: OpenApiDocument, content: Record<string, MediaTypeObject> | undefined): RequestBodyModel["formFields"] {
  const fields: RequestBodyModel["formFields"] = {};
  const form = Object.entries(content ?? {}).find(([type]) => essence(type) === "application/x-www-form-urlencoded")?.[1];
  const schema = form?.schema ? resolve(doc, form.schema) : undefined;
  const properties = (schema?.properties ?? {}) as Record<string, SchemaObject>;
  for (const [name, property] of Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const type = primaryType(resolve(doc, property));
    if (type === "integer" || type === "number" || type === "boolean") fields[name] = type;
  }
  return fields;
}

export function toRequestBodyModel(doc: OpenApiDocument, node: RequestBodyObject): RequestBodyModel {
  const body = resolve(doc, node);
  return {
    required: body.required === true,
    contentTypes: Object.keys(body.content ?? {}),
    content: toContentModels(body.content),
    formFields: formFields(doc, body.content),
  };
}

export function toResponseModel(doc: OpenApiDocument, status: string, node: ResponseObject): ResponseModel {
  const response = resolve(doc, node);
  return {
    status,
    contentTypes: Object.keys(response.content ?? {}),
    content: toContentModels(response.content),
    headers: Object.entries(response.headers ?? {}).map(([name, header]) => ({
      name,
      required: resolve(doc, header).required === true,
    })),
  };
}

export const isSuccess = (response: ResponseModel): boolean => response.status.startsWith("2");

/** The content types any success response offers, in spec order: the first is the default. */
export function offeredContentTypes(op: OperationModel): string[] {
  return successContentTypes(op.responses.map((r) => [r.status, r.contentTypes] as const));
}

/** Optional query parameters with a default: always present once the router applied it. */
export function defaultedQueryParameters(op: OperationModel): ParameterModel[] {
  return op.parameters.filter((p) => p.in === "query" && p.defaultValue !== undefined && !p.required);
}

/** Path-level parameters apply unless the operation redefines the same name and location. */
function mergedParameters(doc: OpenApiDocument, pathLevel: ParameterObject[], operationLevel: ParameterObject[]): ParameterModel[] {
  const own = operationLevel.map((p) => toParameterModel(doc, p));
  const inherited = pathLevel.map((p) => toParameterModel(doc, p)).filter((p) => !own.some((o) => o.name === p.name && o.in === p.in));
  return [...inherited, ...own];
}

function statusOrder(a: ResponseModel, b: ResponseModel): number {
  const rank = (s: string) => (s === "default" ? 1000 : Number.parseInt(s.replace(/X/gi, "0"), 10));
  return rank(a.status) - rank(b.status);
}

/**
 * No `responses` (legal in 3.1) or an empty one promises nothing: read as a `default`
 * response without content, so a handler can answer with any status and no body.
 */
function responseModels(doc: OpenApiDocument, responses: OperationObject["responses"]): ResponseModel[] {
  const entries = Object.entries(responses ?? {});
  if (entries.length === 0) return [{ status: "default", contentTypes: [], content: [], headers: [] }];
  return entries.map(([status, response]) => toResponseModel(doc, status, response)).sort(statusOrder);
}

export function toOperationModel(
  doc: OpenApiDocument,
  path: string,
  method: HttpMethod,
  operation: OperationObject,
  pathParameters: ParameterObject[],
): OperationModel {
  const name = operation.operationId ? camelCase(operation.operationId) : operationNameFromRoute(method, path);
  const parameters = mergedParameters(doc, pathParameters, operation.parameters ?? []);
  const formats = parameters.filter((p) => p.formatParameter);
  if (formats.some((p) => p.in !== "query" || p.kind !== "scalar") || formats.length > 1) {
    throw new Error(`${method.toUpperCase()} ${path}: ${formatExtension} marks one scalar query parameter at most`);
  }
  return {
    name,
    typeName: pascalCase(name),
    typeRef: operation.operationId
      ? `operations[${JSON.stringify(operation.operationId)}]`
      : `paths[${JSON.stringify(path)}][${JSON.stringify(method)}]`,
    method,
    path,
    ...(operation.summary ? { summary: operation.summary } : {}),
    deprecated: operation.deprecated === true,
    parameters,
    ...(operation.requestBody ? { requestBody: toRequestBodyModel(doc, operation.requestBody) } : {}),
    responses: responseModels(doc, operation.responses),
    security: operation.security ?? doc.security ?? [],
  };
}

/** Every operation in path order, then method order; names must be unique. */
export function toOperationModels(doc: OpenApiDocument): OperationModel[] {
  const models: OperationModel[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const pathItem = resolve(doc, item as { $ref?: string } & typeof item);
    for (const method of httpMethods) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (operation) models.push(toOperationModel(doc, path, method, operation, pathItem.parameters ?? []));
    }
  }
  const seen = new Map<string, OperationModel>();
  for (const model of models) {
    const other = seen.get(model.name);
    if (other) {
      throw new Error(
        `Operations ${other.method.toUpperCase()} ${other.path} and ${model.method.toUpperCase()} ${model.path} both map to the method name '${model.name}'; give them distinct operationIds`,
      );
    }
    seen.set(model.name, model);
  }
  return models;
}
