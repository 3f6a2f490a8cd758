// The customers page's dev server, preview server and build. The page calls its own origin
// under /api and this server forwards those calls to API_BASE_URL: the real server sends no
// CORS headers, so a page on another port could not call it directly, and the same page then
// works unchanged against the mock and the server.
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { ProxyOptions, UserConfig } from "vite";
import { API_PREFIX } from "./src/api-prefix.js";

const webDir = path.dirname(fileURLToPath(import.meta.url));

export const BUILD_DIR = path.resolve(webDir, "../.build/web");

export interface WebOptions {
  /** Where /api goes: the Prism mock or the real server. */
  apiBaseUrl: string;
  /** 0 for any free port (tests). */
  port: number;
  outDir?: string;
}

function apiProxy(target: string): Record<string, ProxyOptions> {
  return {
    [API_PREFIX]: {
      target,
      changeOrigin: true,
      rewrite: (p) => p.slice(API_PREFIX.length) || "/",
      configure(proxy) {
        // Same-origin 401s with a Basic challenge make browsers pop their own login
        // dialog over the page; the page shows the error body instead, so the challenge
        // is handed on under another name.
        proxy.on("proxyRes", (res) => {
          const challenge = res.headers["www-authenticate"];
          if (challenge === undefined) return;
          delete res.headers["www-authenticate"];
          res.headers["x-www-authenticate"] = challenge;
        });
      },
    },
  };
}

export function webConfig({ apiBaseUrl, port, outDir = BUILD_DIR }: WebOptions): UserConfig {
  const proxy = apiProxy(apiBaseUrl);
  return {
    root: webDir,
    clearScreen: false,
    define: { __API_TARGET__: JSON.stringify(apiBaseUrl) },
    server: { host: "127.0.0.1", port, proxy },
    preview: { host: "127.0.0.1", port, proxy },
    // Pre-bundled at start, so the first page load is not reloaded when Vite discovers it.
    optimizeDeps: { include: ["openapi-fetch"] },
    build: { outDir, emptyOutDir: true },
  };
}

const mockPort = process.env.MOCK_PORT ?? "4010";

export default webConfig({
  apiBaseUrl: process.env.API_BASE_URL ?? `http://127.0.0.1:${mockPort}`,
  port: Number(process.env.WEB_PORT ?? 5173),
});
