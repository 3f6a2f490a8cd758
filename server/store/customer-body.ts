// What a store writes and what it sends: each customer is checked against the spec's
// CustomerInfo when it is written, and kept as the JSON text the API sends, so a page is
// spliced from stored text instead of parsed, rebuilt and serialized on every request.
// Production turns response validation off on the strength of this (see the README).
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { CustomerInfo } from "../../generated/schema.js";
import { apiSpec, JsonText } from "../../generated/server.js";
import type { CustomerJson, NewCustomer } from "./contract.js";

const components = (apiSpec.document as { components: object }).components;
// strict off: the spec's schemas carry OpenAPI's own keywords (examples, discriminator).
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
ajv.addSchema({ $id: "spec", components });
const customerInfo = ajv.compile<CustomerInfo>({ $ref: "spec#/components/schemas/CustomerInfo" });

/** A customer the spec forbids: nothing of its batch is written. */
export class InvalidCustomerError extends Error {
  constructor(
    readonly customerId: unknown,
    readonly problems: string[],
  ) {
    super(`customer ${String(customerId)} does not match the spec's CustomerInfo: ${problems.join("; ")}`);
    this.name = "InvalidCustomerError";
  }
}

function problems(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
}

/** Refuses a customer the spec forbids before anything is written; the store derives the rest. */
export function checkNewCustomer(customer: NewCustomer): void {
  const { tagIds, ...document } = customer;
  if (!Array.isArray(tagIds) || tagIds.some((id) => typeof id !== "string")) {
    throw new InvalidCustomerError(customer.id, ["/tagIds must be an array of strings"]);
  }
  if (!customerInfo(document)) throw new InvalidCustomerError(customer.id, problems(customerInfo.errors));
}

// Text beyond ASCII is kept as \u escapes: the same JSON value, and a page of ASCII is a
// one-byte string to V8, read from the database and encoded for the socket on fast paths.
// One "é" left in a page's 40 KB would put the whole page on the slow ones.
const beyondAscii = /[\u0080-\uffff]/g;
const escaped = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** The text a store keeps for a customer, from the whole document as the API sends it. */
export function customerBody(customer: CustomerInfo): CustomerJson {
  if (!customerInfo(customer)) throw new InvalidCustomerError((customer as CustomerInfo).id, problems(customerInfo.errors));
  // A plain value: JSON.stringify writes the same text as JsonText.of, without walking it in JavaScript.
  return JsonText.trusted<CustomerInfo>(JSON.stringify(customer).replace(beyondAscii, escaped));
}
