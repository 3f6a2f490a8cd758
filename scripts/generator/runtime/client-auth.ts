// How the client authenticates: HTTP Basic, a Bearer token (HTTP bearer, OAuth 2, OpenID
// Connect), or an API key placed where the spec's apiKey scheme says (header, query, cookie).
import type { Middleware } from "openapi-fetch";

/** Where one apiKey scheme of the spec carries its key; the generated client lists them. */
export interface ApiKeyScheme {
  readonly in: "header" | "query" | "cookie";
  readonly name: string;
}

export type ClientAuth =
  | { readonly username: string; readonly password: string }
  | { readonly bearer: string }
  /** `scheme` names the spec's apiKey scheme; it may be left out when the spec has one. */
  | { readonly apiKey: string; readonly scheme?: string }
  | (() => string | undefined | Promise<string | undefined>);

function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function apiKeyScheme(schemes: Readonly<Record<string, ApiKeyScheme>>, name: string | undefined): ApiKeyScheme {
  const names = Object.keys(schemes);
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  const scheme = chosen === undefined ? undefined : schemes[chosen];
  if (!scheme) {
    throw new Error(
      names.length === 0 ? "The spec declares no apiKey scheme" : `Name the apiKey scheme: auth.scheme is one of ${names.join(", ")}`,
    );
  }
  return scheme;
}

function withApiKey(request: Request, scheme: ApiKeyScheme, key: string): Request {
  if (scheme.in === "header") {
    request.headers.set(scheme.name, key);
    return request;
  }
  if (scheme.in === "cookie") {
    const cookie = `${scheme.name}=${encodeURIComponent(key)}`;
    const existing = request.headers.get("cookie");
    request.headers.set("cookie", existing ? `${existing}; ${cookie}` : cookie);
    return request;
  }
  const url = new URL(request.url);
  url.searchParams.set(scheme.name, key);
  return new Request(url, request);
}

export function authMiddleware(auth: ClientAuth, schemes: Readonly<Record<string, ApiKeyScheme>>): Middleware {
  // Resolved once, so a wrong scheme name fails at createApiClient, not at the first call.
  const keyScheme = typeof auth !== "function" && "apiKey" in auth ? apiKeyScheme(schemes, auth.scheme) : undefined;
  return {
    async onRequest({ request }) {
      if (typeof auth === "function") {
        const value = await auth();
        if (value) request.headers.set("Authorization", value);
        return request;
      }
      if ("apiKey" in auth) return withApiKey(request, keyScheme!, auth.apiKey);
      request.headers.set("Authorization", "bearer" in auth ? `Bearer ${auth.bearer}` : basic(auth.username, auth.password));
      return request;
    },
  };
}
