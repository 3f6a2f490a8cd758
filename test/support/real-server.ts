// The real server for the web tests, on a freshly seeded SQLite database: the shared
// test-server helper, plus the demo credentials the page signs in with.
import { DEMO_PASSWORD, demoApiKey } from "../../server/demo/demo-data.js";
import { startTestServer } from "./test-server.js";

export { DEMO_PASSWORD, demoApiKey };

export interface SeededServer {
  baseUrl: string;
  close: () => Promise<void>;
}

export async function startSeededServer(customers: number): Promise<SeededServer> {
  const server = await startTestServer({ name: "web-server", customers });
  return { baseUrl: server.baseUrl, close: server.close };
}
