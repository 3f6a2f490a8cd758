// What the router and the app exchange: the caller, credentials, failures, handler input
// and result, and the options of createRouter. Generated types narrow these per operation.
import type { Readable } from "node:stream";
import type { Request } from "express";

/** Credentials as the router parsed them from the request, named by the spec's scheme. */
export type Credentials =
  | { readonly scheme: string; readonly type: "basic"; readonly username: string; readonly password: string }
  | { readonly scheme: string; readonly type: "bearer"; readonly token: string }
  | { readonly scheme: string; readonly type: "apiKey"; readonly key: string };

export interface Caller {
  readonly roles: readonly string[];
}

/** A field-level failure, named as the client sent it (`page`, `tagIds`, `body.name`). */
export interface FieldFailure {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

/** Every failure the router produces, before the app turns it into the spec's error body. */
export interface RouterFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly errors: readonly FieldFailure[];
}

export interface RouterOptions<TCaller extends Caller, TErrorBody> {
  /** Verifies parsed credentials; resolve `undefined` when they are wrong (401). */
  authenticate?: (credentials: Credentials, req: Request) => Promise<TCaller | undefined> | TCaller | undefined;
  /** Turns a failure into the spec's error body; used for every 4xx and 5xx the router sends. */
  errorBody: (failure: RouterFailure) => TErrorBody;
  /** The realm named in `WWW-Authenticate` challenges. */
  realm?: string;
  /** Validate handler responses against the spec (default true). */
  validateResponses?: boolean;
  /** Validate requests against the spec (default true); lenient binding still applies. */
  validateRequests?: boolean;
  /** Called for every 5xx with the underlying error, e.g. to log it. */
  onError?: (error: unknown, req: Request) => void;
  /** Include the error message of a 5xx in the body (development only). */
  exposeErrors?: boolean;
  /** More than this many query pairs is a 400 (default 256). */
  maxQueryPairs?: number;
}

/** Body types a handler may return for a non-JSON content type. */
export type TextBody = string | Uint8Array | Readable | AsyncIterable<string | Uint8Array>;

/** What every generated handler result has in common; the generated unions narrow it. */
export interface HandlerResult {
  readonly status: number;
  readonly contentType?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** One file of a multipart request body, held in memory. */
export interface UploadedFile {
  /** The form field it was sent as. */
  readonly field: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly data: Uint8Array;
}

/** The input the router hands to each handler; generated input types narrow its fields. */
export interface HandlerInput {
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  headers: Record<string, unknown>;
  cookies: Record<string, unknown>;
  body: unknown;
  /** The files of a multipart body; its other fields are in `body`. */
  files: readonly UploadedFile[];
  caller: unknown;
  accept: string;
  request: Request;
}

export type AnyHandler = (input: HandlerInput) => Promise<HandlerResult> | HandlerResult;
