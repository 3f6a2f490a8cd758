// express-openapi-validator's findings as field failures with ServiceStack's validation
// codes and wording (FluentValidation's: NotEmpty, LessThanOrEqual, InvalidEnumValue, ...),
// which is what ServiceStack clients already handle.
import type { FieldFailure } from "./handler.js";

/** JSON Schema keyword -> ServiceStack's error code; keywords not listed keep their own, PascalCased. */
const codes: Record<string, string> = {
  required: "NotEmpty",
  maximum: "LessThanOrEqual",
  minimum: "GreaterThanOrEqual",
  exclusiveMaximum: "LessThan",
  exclusiveMinimum: "GreaterThan",
  enum: "InvalidEnumValue",
  maxLength: "MaximumLength",
  minLength: "MinimumLength",
  maxItems: "MaximumLength",
  minItems: "MinimumLength",
  pattern: "RegularExpression",
  additionalProperties: "NotAllowed",
  unevaluatedProperties: "NotAllowed",
};

const comparisons: Record<string, string> = {
  "<=": "less than or equal to",
  ">=": "greater than or equal to",
  "<": "less than",
  ">": "greater than",
};

export function pascal(keyword: string): string {
  return keyword.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");
}

/** `page` for a query, path, header or cookie value; `body.items.0.name` inside a body. */
export function fieldName(path: string | undefined): string {
  const parts = (path ?? "").split("/").filter(Boolean);
  const [location, ...rest] = parts;
  if (location === "query" || location === "headers" || location === "params" || location === "cookies") {
    return rest[0] ?? location;
  }
  if (location === "body") return ["body", ...rest].join(".");
  return parts.join(".") || "request";
}

/** ServiceStack's sentence for a finding: `'countPerPage' must be less than or equal to 1000.` */
function sentence(field: string, keyword: string | undefined, message: string): string {
  const compared = /^must be (<=|>=|<|>) (\S+)$/.exec(message);
  if (compared) return `'${field}' must be ${comparisons[compared[1]!]} ${compared[2]}.`;
  const allowed = /allowed values: (.*)$/.exec(message);
  if (keyword === "enum" && allowed) return `'${field}' must be one of: ${allowed[1]}.`;
  const property = /must have required property '([^']+)'/.exec(message);
  if (property) return `'${field === "body" ? property[1] : `${field}.${property[1]}`}' must not be empty.`;
  if (/^Unknown query parameter/.test(message) || keyword === "additionalProperties") {
    return `'${field}' is not a parameter of this operation.`;
  }
  return `'${field}' ${message.replace(/\.$/, "")}.`;
}

export function validatorFieldFailure(error: { path?: string; message?: string; errorCode?: string }): FieldFailure {
  const keyword = error.errorCode?.split(".")[0];
  const field = fieldName(error.path);
  const message = error.message ?? "is invalid";
  const unknown = /^Unknown query parameter/.test(message);
  return {
    field,
    code: unknown ? "NotAllowed" : keyword ? (codes[keyword] ?? pascal(keyword)) : "Invalid",
    message: sentence(field, keyword, message),
  };
}
