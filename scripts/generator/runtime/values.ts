// One value's text, checked and typed the same way wherever it arrives: query, path or cookie.
import type { FieldFailure } from "./handler.js";
import type { ValueSpec } from "./spec.js";

export function canonicalEnum(value: string, values: readonly string[] | undefined): string {
  if (!values) return value;
  const lower = value.toLowerCase();
  return values.find((candidate) => candidate.toLowerCase() === lower) ?? value;
}

// encodeURIComponent leaves !'()* alone; express-openapi-validator rejects them unencoded.
export function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const integerText = /^[+-]?\d+$/;
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The canonical text of one value, or undefined when its text cannot be its type. The
 * validator's coercion takes anything `Number()` takes (`0x10`, `1e309` as Infinity), so
 * numbers are checked here first; surrounding spaces are forgiven, as .NET's parsers do.
 */
export function canonicalValue(raw: string, parameter: ValueSpec): string | undefined {
  if (parameter.type === "boolean") {
    const lower = raw.trim().toLowerCase();
    return lower === "true" || lower === "false" ? lower : undefined;
  }
  if (parameter.type === "integer") {
    const text = raw.trim();
    return integerText.test(text) && Number.isSafeInteger(Number(text)) ? String(Number(text)) : undefined;
  }
  if (parameter.type === "number") {
    const text = raw.trim();
    return numberText.test(text) && Number.isFinite(Number(text)) ? text : undefined;
  }
  return canonicalEnum(raw, parameter.enum);
}

export function typeError(parameter: ValueSpec): FieldFailure {
  const article = parameter.type === "integer" ? "an" : "a";
  return {
    field: parameter.name,
    code: "Type",
    message: `'${parameter.name}' must be ${article} ${parameter.type}${parameter.array ? " list" : ""}.`,
  };
}

export function typed(text: string, parameter: ValueSpec): unknown {
  if (parameter.type === "boolean") return text === "true";
  if (parameter.type === "integer" || parameter.type === "number") return Number(text);
  return text;
}
