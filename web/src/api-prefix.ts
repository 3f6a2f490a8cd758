/** The path on the page's own origin that the dev and preview servers forward to the API. */
export const API_PREFIX = "/api";
