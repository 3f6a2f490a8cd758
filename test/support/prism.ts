// Prism as a child process for the contract tests: a mock of the spec, or a proxy in
// front of the real server that validates every request and response against it.
import path from "node:path";
import { startProcess } from "../../scripts/start-process.js";

const root = path.resolve(import.meta.dirname, "../..");
const prismBin = path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js");
const spec = path.join(root, "generated/openapi.json");

export interface PrismProcess {
  baseUrl: string;
  /** Everything Prism logged, for failure messages. */
  output: () => string;
  close: () => Promise<void>;
}

/** On port 0: Prism prints the port it was given, so parallel test files never collide. */
async function start(args: string[]): Promise<PrismProcess> {
  const started = await startProcess(process.execPath, [prismBin, ...args, "--port", "0", "--host", "127.0.0.1"], {
    cwd: root,
    ready: /Prism is listening on (http:\/\/\S+)/,
  });
  return {
    baseUrl: started.match[1]!,
    output: started.output,
    close: async () => {
      await started.stop();
    },
  };
}

export function prismMock(): Promise<PrismProcess> {
  return start(["mock", spec]);
}

/**
 * Requests pass through unchecked, so the server's own 400 and 401 are what is tested;
 * every response is validated, and `--errors` turns a violation into an error.
 */
export function prismProxy(upstream: string): Promise<PrismProcess> {
  return start(["proxy", spec, upstream, "--errors", "--validate-request=false"]);
}
