// The customers page (web/) served for a test on a free port: the dev server (`npm run web`)
// or the static build behind the preview server (`npm run web:build`), each forwarding /api
// to the given API.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { build, createServer, preview, type InlineConfig } from "vite";
import { webConfig } from "../../web/vite.config.js";

export interface WebServer {
  url: string;
  close: () => Promise<void>;
}

function inline(apiBaseUrl: string, outDir?: string): InlineConfig {
  return { ...webConfig({ apiBaseUrl, port: 0, ...(outDir ? { outDir } : {}) }), configFile: false, logLevel: "warn" };
}

function urlOf(server: { address(): AddressInfo | string | null } | null | undefined): string {
  const address = server?.address();
  if (!address || typeof address === "string") throw new Error("the web server is not listening on a TCP port");
  return `http://127.0.0.1:${address.port}/`;
}

export async function startWebDev(apiBaseUrl: string): Promise<WebServer> {
  const server = await createServer({ ...inline(apiBaseUrl), server: { ...inline(apiBaseUrl).server, watch: null } });
  await server.listen();
  return { url: urlOf(server.httpServer), close: () => server.close() };
}

export async function startWebBuilt(apiBaseUrl: string): Promise<WebServer> {
  const outDir = await mkdtemp(path.join(tmpdir(), "web-build-"));
  await build(inline(apiBaseUrl, outDir));
  const server = await preview(inline(apiBaseUrl, outDir));
  return {
    url: urlOf(server.httpServer),
    close: async () => {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
