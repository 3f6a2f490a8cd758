// The spec-independent half of every generated client: a transport on top of
// openapi-fetch that the generated methods give their types to, and authentication.
import createClient, { type Client } from "openapi-fetch";
import { type ApiKeyScheme, authMiddleware, type ClientAuth } from "./client-auth.js";
import { bodySerializer, cookieHeader, type QueryStyle, querySerializer } from "./client-serialize.js";
import { essence, isJson } from "./media-types.js";

export type { ClientAuth };

export interface ClientOptions {
  readonly baseUrl: string;
  /** HTTP Basic, a Bearer token, an API key, or a function returning an Authorization value. */
  readonly auth?: ClientAuth;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: (input: Request) => Promise<Response>;
}

/** The outcome of one call: `data` on a declared success, `error` (the spec's error body) otherwise. */
export type ApiResult<TData, TError> =
  | { readonly data: TData; readonly error?: undefined; readonly response: Response }
  | { readonly data?: undefined; readonly error: TError; readonly response: Response };

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

type ParseAs = "json" | "text" | "stream";

export interface Call {
  readonly method: "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE";
  readonly path: string;
  readonly params: { query?: object; path?: object; header?: object; cookie?: object };
  readonly body?: unknown;
  readonly contentType?: string;
  readonly styles?: Readonly<Record<string, QueryStyle>>;
  readonly accept?: string;
  /** How a non-JSON body is returned; JSON is always parsed. */
  readonly as?: "text" | "stream";
  readonly options?: CallOptions;
}

/** Sends one operation through openapi-fetch; generated methods give it its types. */
export type Transport = <TData, TError>(call: Call) => Promise<ApiResult<TData, TError>>;

// openapi-fetch's generics need a `paths` type; the generated methods carry the real types,
// so the transport talks to it through its untyped request entry point.
type UntypedClient = Client<Record<string, Record<string, unknown>>>;
type UntypedRequest = (
  method: string,
  path: string,
  init: Record<string, unknown>,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** A response body as bytes, readable with `for await` as well as with a reader. */
export type ByteStream = ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>;

/**
 * Node's and most browsers' streams are async-iterable already, but TypeScript's DOM lib
 * does not say so and Safari's are not: give the stream a reader-based iterator if it
 * lacks one, so that the type is true everywhere.
 */
export function byteStream(stream: ReadableStream<Uint8Array>): ByteStream {
  if (Symbol.asyncIterator in stream) return stream as ByteStream;
  return Object.assign(stream, {
    async *[Symbol.asyncIterator]() {
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  });
}

function parseAs(accept: string | undefined, as: "text" | "stream" | undefined): ParseAs {
  return isJson(accept) ? "json" : (as ?? "text");
}

export function createTransport(options: ClientOptions, apiKeySchemes: Readonly<Record<string, ApiKeyScheme>> = {}): Transport {
  const client = createClient({
    baseUrl: options.baseUrl,
    headers: options.headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  }) as UntypedClient;
  if (options.auth) client.use(authMiddleware(options.auth, apiKeySchemes));
  const request = (client as unknown as { request: UntypedRequest }).request;
  return async <TData, TError>(call: Call) => {
    const headers: Record<string, string> = { ...call.options?.headers };
    if (call.accept) headers.Accept = call.accept;
    // A multipart body's Content-Type carries the boundary, which only fetch knows.
    if (call.contentType && essence(call.contentType) !== "multipart/form-data") headers["Content-Type"] = call.contentType;
    const cookie = cookieHeader(call.params.cookie);
    if (cookie) headers.Cookie = [headers.Cookie, cookie].filter(Boolean).join("; ");
    const result = await request(call.method, call.path, {
      params: call.params,
      body: call.body,
      headers,
      signal: call.options?.signal,
      parseAs: parseAs(call.accept, call.as),
      querySerializer: querySerializer(call.styles ?? {}),
      bodySerializer: bodySerializer(call.contentType),
    });
    // openapi-fetch leaves `error` undefined for an empty error body: status decides, not the field.
    return (
      result.response.ok
        ? {
            data: (call.as === "stream" && result.data ? byteStream(result.data as ReadableStream<Uint8Array>) : result.data) as TData,
            response: result.response,
          }
        : { error: result.error as TError, response: result.response }
    ) as ApiResult<TData, TError>;
  };
}
