// One server under benchmark, in its own process so that the load (in the parent) never
// shares its event loop. Prints `listening <port>` when ready.
//
//   bench-server.ts bare <file>              node:http answering the bytes in <file>, precomputed
//   bench-server.ts app <production|validate|plain> <DATABASE_URL>   the Express app: as NODE_ENV=production
//                                            runs it (requests validated), validating responses too
//                                            (development and tests), or with no validation
//   bench-server.ts router <file>            the generated router and validation, the page from memory
//   bench-server.ts handler <node|express> <DATABASE_URL>   no router, no auth, no validation: the
//                                            query bound, our handler and store, the page sent as text;
//                                            on node:http alone, or on one bare Express route
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { JsonText } from "../../generated/server.js";

const [mode, ...args] = process.argv.slice(2);

function announce(server: Server): void {
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

if (mode === "bare") {
  // The limit: no routing, no parsing, no database; the same bytes and content type.
  const body = readFileSync(args[0]!);
  const headers = { "content-type": "application/json; charset=utf-8", "content-length": String(body.length) };
  announce(
    createServer((_req, res) => {
      res.writeHead(200, headers);
      res.end(body);
    }),
  );
} else if (mode === "app") {
  const [validation, databaseUrl] = args;
  const { openStore } = await import("../../server/store/open.js");
  const { createApp } = await import("../../server/http/app.js");
  const store = await openStore(databaseUrl!);
  const app = createApp({
    store,
    logger: pino({ level: "silent" }),
    validate: validation !== "plain",
    validateResponses: validation === "validate",
  });
  const { createHttpServer } = await import("../../generated/server.js");
  announce(createHttpServer(app));
} else if (mode === "router") {
  // The framework alone, as production runs it: routing, binding, request validation, the
  // page as JSON text; no credential check and no database. Separates their cost from the data's.
  const express = (await import("express")).default;
  const { createHttpServer, createRouter, JsonText } = await import("../../generated/server.js");
  const page = JsonText.trusted<never>(readFileSync(args[0]!, "utf8"));
  const { errorBody } = await import("../../server/http/error-body.js");
  const app = express();
  app.use(
    createRouter(
      {
        listCustomers: () => ({ status: 200, body: page }),
        listCustomersJson: () => ({ status: 200, body: page }),
        listCustomersCsv: () => ({ status: 200, body: "" }),
      },
      { errorBody, authenticate: () => ({ roles: ["SystemAdministrator"] }), validateResponses: false },
    ),
  );
  announce(createHttpServer(app));
} else if (mode === "handler") {
  // The floors under (b) and (c): what the data path costs with no framework, and what
  // Express itself adds before any middleware, served as app.listen would (http.createServer,
  // not createHttpServer). The caller is fixed (no credential check).
  const [server, databaseUrl] = args;
  const { openStore } = await import("../../server/store/open.js");
  const { listCustomersHandlers } = await import("../../server/http/list-customers.js");
  const { apiSpec } = await import("../../generated/server.js");
  const { queryBinding } = await import("../../generated/runtime/binding.js");
  const handlers = listCustomersHandlers(await openStore(databaseUrl!));
  const operation = apiSpec.operations.find((o) => o.name === "listCustomers")!;
  const bindQuery = queryBinding(operation.query);
  const caller = { username: "sysadmin", roles: ["SystemAdministrator" as const], accountIds: [] };
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const query = bindQuery(req.url!.split("?")[1] ?? "").values as never;
    const result = await handlers.listCustomers({ query, caller, accept: "application/json", request: req as never } as never);
    // Written as the router's sendBody writes JSON text: the string, with its byte length.
    const { text } = result.body as JsonText<unknown>;
    res.writeHead(result.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  if (server === "node") announce(createServer((req, res) => void answer(req, res)));
  else {
    const express = (await import("express")).default;
    const app = express();
    app.get("/customers", answer);
    announce(createServer(app));
  }
} else {
  process.stderr.write(
    "usage: bench-server.ts bare <file> | router <file> | app <production|validate|plain> <DATABASE_URL> | handler <node|express> <DATABASE_URL>\n",
  );
  process.exit(2);
}
