// The spec as express-openapi-validator is given it: the same document, with the parameter
// styles the binders have already rewritten said to be the styles they were rewritten to.
// Binding turns `label`/`matrix` paths into `simple` ones and every non-exploded query list
// into a comma-joined one; the validator would otherwise split them a second time.

import { resolve } from "./refs.js";
import { httpMethods } from "./spec.js";

type Node = Record<string, unknown>;

function restyle(parameter: Node): void {
  if (parameter.in === "path" && (parameter.style === "label" || parameter.style === "matrix")) {
    parameter.style = "simple";
    parameter.explode = false;
  }
  if (parameter.in === "query" && (parameter.style === "pipeDelimited" || parameter.style === "spaceDelimited")) {
    parameter.style = "form";
    parameter.explode = false;
  }
}

export function validatorDocument(document: object): object {
  const doc = structuredClone(document) as Node;
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Node>)) {
    const pathItem = resolve(doc, item);
    const operations = httpMethods.flatMap((method) => (pathItem[method] ? [pathItem[method] as Node] : []));
    for (const operation of operations) {
      // No responses is legal in 3.1 and promises nothing; the validator's schema wants one.
      const responses = operation.responses as object | undefined;
      if (!responses || Object.keys(responses).length === 0) operation.responses = { default: { description: "Not described" } };
    }
    for (const holder of [pathItem, ...operations]) {
      const parameters = holder.parameters;
      if (Array.isArray(parameters)) for (const parameter of parameters) restyle(resolve(doc, parameter as Node));
    }
  }
  return doc;
}
