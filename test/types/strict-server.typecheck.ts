// Compiled by `tsc` in `npm test`, never run. Each @ts-expect-error is a promise that the
// generated types reject something the spec does not allow; if one starts compiling,
// the directive itself becomes the error and the build fails.
import type { Handlers, ListCustomersResult } from "../../generated/server.js";
import { createApiClient } from "../../generated/client.js";

type Caller = { roles: string[] };

export const declared: Handlers<Caller>["listCustomers"] = async ({ query, accept }) => {
  // Defaults are applied by the router: these are never undefined.
  const size: number = query.countPerPage;
  const page: number = query.page;
  if (accept === "text/csv") return { status: 200, contentType: "text/csv", body: `rows ${size} ${page}` };
  return { status: 200, body: { items: [], totalCount: 0, totalPages: 0, hasMorePages: false } };
};

// @ts-expect-error 404 is not a status ListCustomers declares.
export const undeclaredStatus: ListCustomersResult = { status: 404, body: { responseStatus: { errorCode: "NotFound", message: "x" } } };

// @ts-expect-error the 200 JSON body must be a ListCustomersResponse (items is required).
export const wrongBody: ListCustomersResult = { status: 200, body: { totalCount: 1 } };

// @ts-expect-error a customer's name is a string.
export const wrongField: ListCustomersResult = { status: 200, body: { items: [{ id: "c1", accountId: "a", name: 7 }] } };

// @ts-expect-error the 400 body is the error shape, not a list.
export const wrongErrorBody: ListCustomersResult = { status: 400, body: { items: [] } };

// @ts-expect-error text/csv is not a content type of the 400 response.
export const wrongContentType: ListCustomersResult = { status: 400, contentType: "text/csv", body: "x" };

// @ts-expect-error a CSV body needs `contentType: "text/csv"`: the default for 200 is JSON.
export const csvWithoutContentType: ListCustomersResult = { status: 200, body: "Id\r\n" };

// @ts-expect-error 401 must carry its declared headers (WWW-Authenticate).
export const unauthorizedWithoutHeaders: ListCustomersResult = {
  status: 401,
  body: { responseStatus: { errorCode: "Unauthorized", message: "Not Authenticated" } },
};

// @ts-expect-error every operation needs its handler: listCustomersCsv is missing.
export const missingHandler: Handlers<Caller> = { listCustomers: declared };

export const misnamedHandler: Handlers<Caller> = {
  listCustomers: declared,
  listCustomersJson: async () => ({ status: 200, body: { items: [] } }),
  listCustomersCsv: async () => ({ status: 200, body: "Id\r\n" }),
  // @ts-expect-error no operation is called listCustomerz.
  listCustomerz: declared,
};

export async function clientTypes(): Promise<void> {
  const client = createApiClient({ baseUrl: "http://127.0.0.1:4010", auth: { username: "sysadmin", password: "demo" } });
  const page = await client.listCustomers({ tagIds: ["t1"], sortOrder: "Descend" });
  if (page.data) {
    const name: string = page.data.items[0]!.name;
    void name;
  } else {
    const code: string = page.error.responseStatus.errorCode;
    void code;
  }
  const csv = await client.listCustomers({}, { accept: "text/csv" });
  const text: string | undefined = csv.data;
  void text;
  // The README's stream example: for await works under this tsconfig (DOM lib, no DOM.AsyncIterable).
  const { data: stream } = await client.listCustomersCsv({ all: true }, { as: "stream" });
  if (stream) for await (const chunk of stream) void (chunk satisfies Uint8Array);
  // @ts-expect-error sortOrder is Ascend or Descend.
  await client.listCustomers({ sortOrder: "Sideways" });
  // @ts-expect-error unknown parameters are not accepted.
  await client.listCustomers({ favouriteColour: "blue" });
  // @ts-expect-error the CSV-only operation has no format parameter.
  await client.listCustomersCsv({ format: "json" });
}
