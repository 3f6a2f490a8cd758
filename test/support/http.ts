// Starting a real server on an ephemeral port for a test, and stopping it after.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Express } from "express";
import { createHttpServer } from "../../generated/server.js";

export interface Running {
  server: Server;
  baseUrl: string;
  close: () => Promise<void>;
}

/**
 * `serve` is createHttpServer, as serve.ts listens, so every test runs on the server
 * production runs; a test of what an app gets under app.listen passes http.createServer.
 */
export function listen(app: Express, serve: (app: Express) => Server = createHttpServer): Promise<Running> {
  return new Promise((resolve) => {
    const server: Server = serve(app).listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        baseUrl: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
