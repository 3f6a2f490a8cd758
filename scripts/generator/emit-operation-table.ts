// The operation table of server.ts: plain data the runtime router reads (spec.ts in the
// runtime gives it its type). One entry per operation, one line per parameter.
import { type OpenApiDocument, resolve, type SecuritySchemeObject } from "./document.js";
import { literal, propertyKey } from "./names.js";
import type { OperationModel, ParameterModel } from "./operations.js";

export function emitSecuritySchemes(doc: OpenApiDocument, ops: OperationModel[]): string {
  const used = [...new Set(ops.flatMap((op) => op.security.flatMap((r) => Object.keys(r))))].sort();
  const entries = used.map((name) => {
    const node = doc.components?.securitySchemes?.[name];
    if (!node) throw new Error(`Security requirement names an undeclared scheme '${name}'`);
    const scheme = resolve<SecuritySchemeObject>(doc, node);
    if (scheme.type === "apiKey") {
      return `    ${propertyKey(name)}: { type: "apiKey", in: ${literal(scheme.in ?? "header")}, name: ${literal(scheme.name ?? "")} },`;
    }
    // oauth2 and openIdConnect present bearer tokens; the app verifies them.
    const kind = scheme.type === "http" && scheme.scheme?.toLowerCase() === "basic" ? "basic" : "bearer";
    return `    ${propertyKey(name)}: { type: "http", scheme: ${literal(kind)} },`;
  });
  return entries.length > 0 ? `{\n${entries.join("\n")}\n  }` : "{}";
}

const delimiters: Record<string, string> = { form: ",", pipeDelimited: "|", spaceDelimited: " " };

/** The fields every bound value has: name, list or not, enum values, type to check. */
function valueFields(parameter: ParameterModel): string[] {
  const fields = [`name: ${literal(parameter.name)}`, `array: ${parameter.kind === "array"}`];
  if (parameter.enumValues) fields.push(`enum: [${parameter.enumValues.map(literal).join(", ")}]`);
  if (parameter.valueType === "integer" || parameter.valueType === "number" || parameter.valueType === "boolean")
    fields.push(`type: ${literal(parameter.valueType)}`);
  return fields;
}

function emitQuerySpec(parameter: ParameterModel): string {
  const fields = valueFields(parameter);
  const delimiter = parameter.kind === "array" && !parameter.explode ? delimiters[parameter.style] : undefined;
  if (delimiter) fields.splice(2, 0, `delimiter: ${literal(delimiter)}`);
  if (parameter.defaultValue !== undefined) fields.push(`default: ${JSON.stringify(parameter.defaultValue)}`);
  return `{ ${fields.join(", ")} }`;
}

function emitPathSpec(parameter: ParameterModel): string {
  return `{ ${[...valueFields(parameter), `style: ${literal(parameter.style)}`, `explode: ${parameter.explode}`].join(", ")} }`;
}

function list(items: string[], indent: string): string {
  return items.length > 0 ? `\n${items.map((item) => `${indent}  ${item},`).join("\n")}\n${indent}` : "";
}

export function emitOperationSpec(op: OperationModel): string {
  const query = op.parameters.filter((p) => p.in === "query");
  const security = op.security.map(
    (requirement) =>
      `{ ${Object.entries(requirement)
        .map(([name, roles]) => `${propertyKey(name)}: [${roles.map(literal).join(", ")}]`)
        .join(", ")} }`,
  );
  const responses = op.responses.map((r) => `${literal(r.status)}: [${r.contentTypes.map(literal).join(", ")}]`);
  const format = query.find((p) => p.formatParameter);
  const lines = [
    `      name: ${literal(op.name)},`,
    `      method: ${literal(op.method)},`,
    `      path: ${literal(op.path)},`,
    `      pathParameters: [${list(op.parameters.filter((p) => p.in === "path").map(emitPathSpec), "      ")}],`,
    `      query: [${list(query.map(emitQuerySpec), "      ")}],`,
    `      headers: [${op.parameters
      .filter((p) => p.in === "header")
      .map((p) => literal(p.name))
      .join(", ")}],`,
    `      cookies: [${op.parameters
      .filter((p) => p.in === "cookie")
      .map((p) => `{ ${valueFields(p).join(", ")} }`)
      .join(", ")}],`,
    `      security: [${security.join(", ")}],`,
    `      responses: { ${responses.join(", ")} },`,
    `      takesBody: ${op.requestBody !== undefined},`,
  ];
  if (format) lines.push(`      formatParameter: ${literal(format.name)},`);
  const formFields = Object.entries(op.requestBody?.formFields ?? {});
  if (formFields.length > 0)
    lines.push(`      formFields: { ${formFields.map(([name, type]) => `${propertyKey(name)}: ${literal(type)}`).join(", ")} },`);
  return `    {\n${lines.join("\n")}\n    },`;
}
