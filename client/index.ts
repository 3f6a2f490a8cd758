// The typed client as applications import it. Everything is generated from the spec;
// this file only names the public surface.
export { createApiClient } from "../generated/client.js";
export type { ApiClient, ApiResult, CallOptions, ClientAuth, ClientOptions } from "../generated/client.js";
export type { CustomerInfo, ErrorResponse, ListCustomersQuery, ListCustomersResponse, Tag, TagColors } from "../generated/schema.js";
