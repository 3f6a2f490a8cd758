// npm run example -- --base-url URL [--username U --password P | --token KEY] [--name-filter X] [--count N]
// Lists customers with the typed client and prints them as a table. The same code runs
// against the Prism mock (npm run mock) and against the server (npm start).
import { parseArgs } from "node:util";
import { createApiClient, type ClientAuth } from "./index.js";
import { formatTable } from "./table.js";

const { values } = parseArgs({
  options: {
    "base-url": { type: "string", default: "http://127.0.0.1:3000" },
    username: { type: "string", default: "sysadmin" },
    password: { type: "string", default: "demo" },
    token: { type: "string" },
    "name-filter": { type: "string" },
    count: { type: "string", default: "10" },
  },
});

const auth: ClientAuth = values.token ? { bearer: values.token } : { username: values.username, password: values.password };
const api = createApiClient({ baseUrl: values["base-url"], auth });

const { data, error, response } = await api.listCustomers({
  countPerPage: Number(values.count),
  ...(values["name-filter"] ? { nameFilter: values["name-filter"] } : {}),
});

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
