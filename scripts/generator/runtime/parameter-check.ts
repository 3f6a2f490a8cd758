// Parameters checked once, as the binders typed them: per operation, one compiled schema
// for each of query, path and cookies, run over the typed values. express-openapi-validator
// would parse the rewritten URL a second time to check the same values; it is kept for
// what the binders do not type (request bodies and header parameters, see router.ts).
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FieldFailure } from "./handler.js";
import { validatorFieldFailure } from "./field-failures.js";
import { resolve } from "./refs.js";
import type { OperationSpec } from "./spec.js";

type Node = Record<string, unknown>;
type Location = "query" | "path" | "cookie";

/** Local refs pointed into the copy of the document the checker is given under `spec`. */
export function rebased(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebased);
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === "$ref" && typeof value === "string" ? `spec${value}` : rebased(value)]),
  );
}

/** The operation's parameters of one location, path-level ones overridden by the operation's. */
function parameters(document: Node, operation: OperationSpec, location: Location): Node[] {
  const pathItem = resolve(document, ((document.paths ?? {}) as Record<string, Node>)[operation.path] ?? {});
  const declared = [
    ...((pathItem.parameters ?? []) as Node[]),
    ...(((resolve(document, (pathItem[operation.method] ?? {}) as Node).parameters ?? []) as Node[]) ?? []),
  ].map((p) => resolve(document, p));
  const byName = new Map<string, Node>();
  for (const p of declared) if (p.in === location) byName.set(p.name as string, p);
  return [...byName.values()];
}

function objectSchema(list: Node[]): Node {
  return {
    type: "object",
    properties: Object.fromEntries(list.map((p) => [p.name, rebased(p.schema ?? {})])),
    required: list.filter((p) => p.required === true).map((p) => p.name),
  };
}

const where: Record<Location, "query" | "params" | "cookies"> = { query: "query", path: "params", cookie: "cookies" };

function failures(location: Location, errors: readonly ErrorObject[]): FieldFailure[] {
  return errors.map((e) => {
    const name = e.keyword === "required" ? (e.params as { missingProperty: string }).missingProperty : undefined;
    const path = name ? `/${where[location]}/${name}` : `/${where[location]}${e.instancePath}`;
    const message = name ? `must have required property '${name}'` : e.message;
    const failure = validatorFieldFailure({ path, message, errorCode: `${e.keyword}.openapi.validation` });
    return name ? { ...failure, message: `'${name}' must not be empty.` } : failure;
  });
}

export type ParameterCheck = (values: Record<Location, Record<string, unknown>>) => FieldFailure[];

/** Compiles an operation's parameter schemas once; the check returns one failure per finding. */
export function parameterCheck(document: object, operation: OperationSpec): ParameterCheck {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false });
  addFormats.default(ajv);
  // OpenAPI's own formats, as express-openapi-validator checks them.
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  for (const format of ["float", "double"]) ajv.addFormat(format, { type: "number", validate: () => true });
  ajv.addSchema({ $id: "spec", components: (document as Node).components ?? {} });
  const checks: [Location, ValidateFunction][] = (["query", "path", "cookie"] as const).flatMap((location) => {
    const list = parameters(document as Node, operation, location);
    return list.length === 0 ? [] : [[location, ajv.compile(objectSchema(list))] as [Location, ValidateFunction]];
  });
  return (values) => checks.flatMap(([location, check]) => (check(values[location]) ? [] : failures(location, check.errors ?? [])));
}
