// schema.d.ts: openapi-typescript's output, plus one named export per component schema so
// that code reads `CustomerInfo`, not `components["schemas"]["CustomerInfo"]`.
import openapiTS, { astToString } from "openapi-typescript";
import type { OpenApiDocument } from "./document.js";
import { literal, pascalCase } from "./names.js";
import type { OperationModel } from "./operations.js";
import { parameterAliases } from "./type-refs.js";

// openapi-typescript's own top-level names.
const reserved = new Set(["paths", "webhooks", "components", "operations", "$defs"]);

// Names a module cannot declare or import as a type: ECMAScript reserved words (strict
// mode, so `package` and `let` too), TypeScript's predefined types, and type operators.
// GitHub's REST spec has schemas named `import` and `package`.
const keywords = new Set([
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "import",
  "in",
  "instanceof",
  "new",
  "null",
  "return",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "await",
  "yield",
  "let",
  "static",
  "implements",
  "interface",
  "package",
  "private",
  "protected",
  "public",
  "any",
  "unknown",
  "never",
  "object",
  "string",
  "number",
  "boolean",
  "bigint",
  "symbol",
  "undefined",
  "as",
  "infer",
  "keyof",
  "readonly",
  "unique",
]);

/** Component schema name → exported type name; a clash is an error, never a silent rename. */
export function schemaTypeNames(doc: OpenApiDocument): Map<string, string> {
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const schemaName of Object.keys(doc.components?.schemas ?? {})) {
    let typeName = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(schemaName) ? schemaName : pascalCase(schemaName);
    if (reserved.has(typeName) || keywords.has(typeName)) typeName = `${pascalCase(typeName)}Schema`;
    const owner = owners.get(typeName);
    if (owner) throw new Error(`Schemas '${owner}' and '${schemaName}' both map to the type name ${typeName}`);
    owners.set(typeName, schemaName);
    names.set(schemaName, typeName);
  }
  return names;
}

export function emitSchemaAliases(names: ReadonlyMap<string, string>): string {
  const lines = [...names].map(([schemaName, typeName]) => `export type ${typeName} = components["schemas"][${literal(schemaName)}];`);
  return lines.length > 0 ? `\n// Every component schema, by name.\n${lines.join("\n")}\n` : "";
}

export function emitParameterAliases(ops: OperationModel[], names: ReadonlyMap<string, string>): string {
  const taken = new Set(names.values());
  const lines = ops.flatMap(parameterAliases).map(({ name, type }) => {
    if (taken.has(name)) throw new Error(`The parameter type ${name} clashes with a component schema of the same name`);
    return `export type ${name} = ${type};`;
  });
  return lines.length > 0 ? `\n// Every operation's parameters, by location.\n${lines.join("\n")}\n` : "";
}

export async function emitTypes(doc: OpenApiDocument, ops: OperationModel[], header: string): Promise<string> {
  // openapi-typescript is handed a copy: it annotates the objects it walks.
  const ast = await openapiTS(structuredClone(doc) as never, { silent: true });
  const names = schemaTypeNames(doc);
  return `${header}\n${astToString(ast)}${emitSchemaAliases(names)}${emitParameterAliases(ops, names)}`;
}
