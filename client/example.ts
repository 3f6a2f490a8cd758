// npm run example -- --base-url URL [--username U --password P | --token KEY] [--name-filter X] [--count N] (--help)
// Lists customers with the typed client and prints them as a table. The same code runs
// against the Prism mock (npm run mock) and against the server (npm start).
import { parseArgs } from "node:util";
import { createApiClient, type ClientAuth } from "./index.js";
import { formatTable } from "./table.js";

const usage = `Usage: npm run example -- [options]

Lists customers with the typed client and prints them as a table.

  --base-url URL       server or mock (default http://127.0.0.1:3000; the mock is http://127.0.0.1:4010)
  --username NAME      Basic auth user (default sysadmin)
  --password PASSWORD  Basic auth password (default demo)
  --token KEY          Bearer API key instead of Basic auth
  --name-filter TEXT   only customers whose name contains TEXT
  --count N            customers per page (default 10)
  -h, --help           this text`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        "base-url": { type: "string", default: "http://127.0.0.1:3000" },
        username: { type: "string", default: "sysadmin" },
        password: { type: "string", default: "demo" },
        token: { type: "string" },
        "name-filter": { type: "string" },
        count: { type: "string", default: "10" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    // parseArgs's own message names the option; a stack trace would say nothing more.
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
}

const values = parseOptions();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) {
  console.error(`--count must be a positive integer, got "${values.count}"\n\n${usage}`);
  process.exit(2);
}

const auth: ClientAuth = values.token ? { bearer: values.token } : { username: values.username, password: values.password };
const api = createApiClient({ baseUrl: values["base-url"], auth });

const result = await api
  .listCustomers({ countPerPage: count, ...(values["name-filter"] ? { nameFilter: values["name-filter"] } : {}) })
  .catch((error: unknown) => {
    // Nothing listening is the usual cause: say where we looked and what to start.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    console.error(`cannot reach ${values["base-url"]} (${cause}): start it with npm start or npm run mock`);
    process.exit(1);
  });
const { data, error, response } = result;

if (error) {
  console.error(`${response.status} ${error.responseStatus.errorCode}: ${error.responseStatus.message}`);
  for (const field of error.responseStatus.errors ?? []) console.error(`  ${field.fieldName}: ${field.message}`);
  process.exit(1);
}

const rows = data.items.map((c) => [
  c.name,
  c.accountName ?? c.accountId,
  (c.breadcrumb ?? []).map((b) => b.name).join(" > ") || "-",
  (c.tags ?? []).map((t) => t.name).join(", ") || "-",
  c.id,
]);
console.log(formatTable(["Name", "Account", "Parents", "Tags", "Id"], rows));
const total = data.totalCount === undefined ? "" : ` of ${data.totalCount}`;
console.log(`\n${data.items.length}${total} customers from ${values["base-url"]}${data.hasMorePages ? " (more pages)" : ""}`);
