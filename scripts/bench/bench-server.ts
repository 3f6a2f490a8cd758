// One server under benchmark, in its own process so that autocannon (in the parent) never
// shares its event loop. Prints `listening <port>` when ready.
//
//   bench-server.ts bare <file>              node:http answering the bytes in <file>, precomputed
//   bench-server.ts app <production|validate|plain> <DATABASE_URL>   the Express app: as NODE_ENV=production
//                                            runs it (requests validated), validating responses too
//                                            (development and tests), or with no validation
//   bench-server.ts router <file>            the generated router and validation, the page from memory
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";

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
  announce(createServer(app));
} else if (mode === "router") {
  // The framework alone, as production runs it: routing, binding, request validation, the
  // page as JSON text; no credential check and no database. Separates their cost from the data's.
  const express = (await import("express")).default;
  const { createRouter, JsonText } = await import("../../generated/server.js");
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
  announce(createServer(app));
} else {
  process.stderr.write("usage: bench-server.ts bare <file> | router <file> | app <production|validate|plain> <DATABASE_URL>\n");
  process.exit(2);
}
