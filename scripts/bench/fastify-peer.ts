// The benchmark's peer: the same GET /customers on Fastify, what a user would pick instead
// of our generated Express router. Same store, same credential check and handlers, same
// lenient binding; Fastify's own machinery for the rest: Ajv on the spec's parameter
// schemas, and fast-json-stringify compiled from the spec's response schemas for what is
// not already JSON text (Fastify does not validate responses). Pages are the store's
// checked text, which Fastify sends as it is, as ours does in production.
//
//   fastify-peer.ts <DATABASE_URL>    prints `listening <port>` when ready
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { Request } from "express";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { ListCustomersResult } from "../../generated/server.js";
import { apiSpec, JsonText } from "../../generated/server.js";
import { queryBinding } from "../../generated/runtime/binding.js";
import { rebased } from "../../generated/runtime/parameter-check.js";
import type { FieldFailure } from "../../generated/runtime/handler.js";
import { type Caller, createAuthenticate } from "../../server/auth/callers.js";
import { CredentialVerifier } from "../../server/auth/credentials.js";
import { LOGIN_LIMITS, LoginThrottle } from "../../server/auth/throttle.js";
import { errorBody } from "../../server/http/error-body.js";
import { securityHeaders } from "../../server/http/guards.js";
import { listCustomersHandlers } from "../../server/http/list-customers.js";
import { openStore } from "../../server/store/open.js";

type Json = Record<string, unknown>;
const document = apiSpec.document as Json;
const operation = apiSpec.operations.find((o) => o.name === "listCustomers")!;
const bindQuery = queryBinding(operation.query);

/** A local JSON pointer of the spec (`#/components/...`). */
function resolve(node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== "string") return node;
  return resolve(
    ref
      .slice(2)
      .split("/")
      .reduce<Json>((at, key) => at[key] as Json, document),
  );
}

const specOperation = resolve((document.paths as Json)[operation.path] as Json)[operation.method] as Json;
const parameters = (specOperation.parameters as Json[]).map(resolve).filter((p) => p.in === "query");
const querystring = {
  type: "object",
  properties: Object.fromEntries(parameters.map((p) => [p.name, rebased(p.schema)])),
  required: parameters.filter((p) => p.required).map((p) => p.name),
};
// The spec's component schemas under one $id, so their own `#/components/...` refs resolve.
const shared = { $id: "spec", components: { schemas: (document.components as Json).schemas } };
const response = Object.fromEntries(
  Object.entries(specOperation.responses as Json).flatMap(([status, value]) => {
    const schema = ((resolve(value as Json).content as Json | undefined)?.["application/json"] as Json | undefined)?.schema as Json;
    return schema ? [[status, rebased(schema)]] : [];
  }),
);
const roles = new Set(operation.security.flatMap((requirement) => Object.values(requirement).flat()));

const bindingErrors = Symbol("bindingErrors");
const callerOf = new WeakMap<FastifyRequest, Caller>();

function fail(reply: FastifyReply, status: number, code: string, message: string, errors: FieldFailure[] = []) {
  return reply.code(status).send(errorBody({ status, code, message, errors }));
}

const store = await openStore(process.argv[2]!);
const authenticate = createAuthenticate(new CredentialVerifier(store), new LoginThrottle(LOGIN_LIMITS));
const handlers = listCustomersHandlers(store);

const app = Fastify({
  logger: false,
  // ServiceStack's binding, as ours: the values come out typed, defaults applied; Ajv then checks them.
  routerOptions: {
    querystringParser: (raw: string) => {
      const bound = bindQuery(raw);
      return bound.errors.length ? { [bindingErrors]: bound.errors } : bound.values;
    },
  },
  ajv: { customOptions: { strict: false, coerceTypes: false, removeAdditional: false } },
});
app.addSchema(shared);
// The same response headers as ours (hardening, no caching, a request id), so that both
// do the same work per response.
const hardening = securityHeaders();
app.addHook("onRequest", (request, reply, done) => {
  reply.header("X-Request-Id", randomUUID());
  reply.header("Cache-Control", "no-store");
  hardening(request.raw as never, reply.raw as never, done);
});
interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: { missingProperty?: string };
}
app.setErrorHandler((error: { validation?: AjvError[]; message: string }, _request, reply) => {
  if (!error.validation) return fail(reply, 500, "InternalServerError", "Internal error");
  const errors = error.validation.map((e) => {
    const field = e.params.missingProperty ?? e.instancePath.split("/")[1] ?? "query";
    return { field, code: e.keyword.charAt(0).toUpperCase() + e.keyword.slice(1), message: `${field} ${e.message ?? "is invalid"}` };
  });
  return fail(reply, 400, errors[0]?.code ?? "BadRequest", errors[0]?.message ?? error.message, errors);
});

app.get(operation.path, {
  schema: { querystring, response },
  preValidation: async (request, reply) => {
    const errors = (request.query as { [bindingErrors]?: FieldFailure[] })[bindingErrors];
    if (errors) return fail(reply, 400, errors[0]!.code, errors[0]!.message, errors);
  },
  preHandler: async (request, reply) => {
    const header = request.headers.authorization ?? "";
    const [scheme = "", value = ""] = header.split(" ", 2);
    let caller: Caller | undefined;
    if (scheme.toLowerCase() === "basic") {
      const text = Buffer.from(value, "base64").toString("utf8");
      const at = text.indexOf(":");
      if (at > 0)
        caller = await authenticate(
          { scheme: "basicAuth", type: "basic", username: text.slice(0, at), password: text.slice(at + 1) },
          request.raw as unknown as Request,
        );
    } else if (scheme.toLowerCase() === "bearer" && value)
      caller = await authenticate({ scheme: "bearerAuth", type: "bearer", token: value }, request.raw as unknown as Request);
    if (!caller) {
      reply.header("WWW-Authenticate", 'Basic realm="Evo Voice", Bearer realm="Evo Voice"');
      return fail(reply, 401, "Unauthorized", "Not Authenticated");
    }
    if (!caller.roles.some((role) => roles.has(role))) return fail(reply, 403, "Forbidden", "Invalid Role");
    callerOf.set(request, caller);
  },
  handler: async (request, reply) => {
    const query = request.query as Parameters<typeof handlers.listCustomers>[0]["query"];
    const csv = query.format === "csv" || (request.headers.accept ?? "").includes("text/csv");
    const result: ListCustomersResult = await handlers.listCustomers({
      query,
      caller: callerOf.get(request)!,
      accept: csv ? "text/csv" : "application/json",
      // Our handlers read nothing from the request; the type is Express's.
      request: request.raw as unknown as Request,
    });
    reply.code(result.status);
    if ("headers" in result && result.headers) reply.headers(result.headers as Record<string, string>);
    const body = result.body as unknown;
    if (result.contentType === "text/csv") return reply.type("text/csv").send(body);
    // The page as the store keeps it (checked when written): Fastify sends a string as it is.
    if (body instanceof JsonText) return reply.type("application/json; charset=utf-8").send(body.text);
    if (body && typeof body === "object" && "chunks" in body) {
      return reply.type("application/json; charset=utf-8").send(Readable.from((body as { chunks: () => AsyncIterable<string> }).chunks()));
    }
    return reply.send(body);
  },
});

await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on("SIGTERM", () => {
  void app.close().then(async () => {
    await store.close();
    process.exit(0);
  });
});
