// Validates bodies against the bundled spec's own schemas (JSON Schema 2020-12, as
// OpenAPI 3.1 uses), independently of the server's validator.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

const document = JSON.parse(readFileSync(new URL("../../generated/openapi.json", import.meta.url), "utf8")) as {
  components: { schemas: Record<string, unknown> };
};

// OpenAPI keywords (example, xml, ...) are not JSON Schema: not strict.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat("double", { type: "number", validate: () => true });
ajv.addSchema({ $id: "spec", components: document.components });

const cache = new Map<string, ValidateFunction>();

/** The validation errors of `body` against a component schema, or [] when it is valid. */
export function schemaErrors(schemaName: string, body: unknown): string[] {
  let validate = cache.get(schemaName);
  if (!validate) {
    validate = ajv.compile({ $ref: `spec#/components/schemas/${schemaName}` });
    cache.set(schemaName, validate);
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
