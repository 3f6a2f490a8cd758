// npm run api-key -- USER [LABEL]: prints a new Bearer API key once. Only its
// sha256 is stored, so a lost key cannot be recovered, only replaced.
import { loadConfig } from "../config.js";
import { createApiKey } from "../auth/credentials.js";
import { openStore } from "../store/open.js";

async function main(argv: string[]): Promise<void> {
  const [username, label] = argv;
  if (!username || username.startsWith("-")) {
    process.stderr.write("usage: npm run api-key -- <username> [label]\n");
    process.exitCode = 2;
    return;
  }
  const store = await openStore(loadConfig().databaseUrl);
  try {
    const token = await createApiKey(store, username, label);
    process.stdout.write(`${token}\n`);
    process.stderr.write(`API key created for ${username}. It is shown only now: store it safely.\n`);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
