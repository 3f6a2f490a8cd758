// How generated code names a type from schema.d.ts: a component schema by its exported
// name (`ListCustomersResponse`), anything inline by its openapi-typescript path.
import { literal } from "./names.js";
import { type ContentModel, isSuccess, type OperationModel, type ParameterModel, type ResponseModel } from "./operations.js";
import { isJson } from "./runtime/media-types.js";

/** A union type of the members, each once; `never` when there are none. */
export function union(members: string[]): string {
  return members.length === 0 ? "never" : [...new Set(members)].join(" | ");
}

/** The doc comment of an operation's method: its route and summary, and deprecation. */
export function docComment(op: OperationModel): string {
  const route = `${op.method.toUpperCase()} ${op.path}`;
  const lines = [op.summary ? `${route}: ${op.summary}` : route];
  if (op.deprecated) lines.push("@deprecated");
  return lines.length === 1 ? `/** ${lines[0]} */` : `/**\n${lines.map((l) => ` * ${l}`).join("\n")}\n */`;
}

/** Component schema name -> exported type name (see emit-types). */
export type SchemaNames = ReadonlyMap<string, string>;

export function responseKey(status: string): string {
  return /^[1-5][0-9][0-9]$/.test(status) ? status : literal(status);
}

export function responseBodyType(op: OperationModel, response: ResponseModel, content: ContentModel, names: SchemaNames): string {
  const named = content.schemaName && names.get(content.schemaName);
  return named || `${op.typeRef}["responses"][${responseKey(response.status)}]["content"][${literal(content.type)}]`;
}

export function requestBodyType(op: OperationModel, content: ContentModel, names: SchemaNames): string {
  const named = content.schemaName && names.get(content.schemaName);
  return named || `NonNullable<${op.typeRef}["requestBody"]>["content"][${literal(content.type)}]`;
}

const parameterTypeSuffix = { query: "Query", path: "Path", header: "Headers", cookie: "Cookies" } as const;

/** `ListCustomersQuery`: the named type of one location's parameters, when the operation has any. */
export function parameterTypeName(op: OperationModel, location: ParameterModel["in"]): string | undefined {
  return op.parameters.some((p) => p.in === location) ? `${op.typeName}${parameterTypeSuffix[location]}` : undefined;
}

/** The parameter aliases schema.d.ts exports, for every operation, in a fixed order. */
export function parameterAliases(op: OperationModel): { name: string; type: string }[] {
  return (["path", "query", "header", "cookie"] as const).flatMap((location) => {
    const name = parameterTypeName(op, location);
    return name ? [{ name, type: `NonNullable<${op.typeRef}["parameters"][${literal(location)}]>` }] : [];
  });
}

/** The names generated code takes from schema.d.ts: exactly those it mentions, sorted. */
export function schemaImports(code: string, ops: OperationModel[], names: SchemaNames): string[] {
  const mentioned = new Set(code.match(/[A-Za-z_$][A-Za-z0-9_$]*/g));
  const exported = ["operations", "paths", ...names.values(), ...ops.flatMap((op) => parameterAliases(op).map((a) => a.name))];
  return [...new Set(exported.filter((name) => mentioned.has(name)))].sort();
}

/** The JSON body types of an operation's non-2xx responses: what a client sees as `error`. */
export function errorBodyTypes(op: OperationModel, names: SchemaNames): string[] {
  return op.responses
    .filter((r) => !isSuccess(r))
    .flatMap((r) => r.content.filter((c) => isJson(c.type)).map((c) => responseBodyType(op, r, c, names)));
}

/** The union of the error bodies of some operations; `unknown` when the spec declares none. */
export function errorType(ops: readonly OperationModel[], names: SchemaNames): string {
  const bodies = ops.flatMap((op) => errorBodyTypes(op, names));
  return bodies.length > 0 ? union(bodies) : "unknown";
}
