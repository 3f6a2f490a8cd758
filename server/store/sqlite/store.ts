// CustomerStore on SQLite (better-sqlite3): the embedded default, so `npm start` works
// with nothing installed. Schema and the reasons for its indexes: schema.ts.
//
// A page is found in two steps: a query that returns only the page's seqs (the plan is
// chosen per query by how many rows the filters match, see planner.ts), then
// one lookup of those 25 rows with their JSON documents, tags and breadcrumbs. Filters,
// offsets and sorting therefore only ever touch indexes and the narrow customers table.
// `npm run explain` prints every statement a query runs, with its plan and its time.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import Database from "better-sqlite3";
import type { AccountInfo, Tag } from "../../../generated/schema.js";
import type { CustomerJson, CustomerQuery, NewCustomer, Page, PageRequest, SeedState, Store, StoredUser } from "../contract.js";
import { BulkLoader } from "./bulk-load.js";
import { migrate } from "./migrate.js";
import { choose, count, type PlannerOptions, type PlanKind, resolve } from "./planner.js";
import { Reader, type TracedStatement } from "./rows.js";
import { candidatesQuery, PAGED, walkQuery } from "./sql.js";
import { SqliteUserStore } from "./users.js";

export type { PlanKind, PlannerOptions } from "./planner.js";
export type { TracedStatement } from "./rows.js";
export { SORT_FIELDS } from "./sql.js";

const STREAM_BATCH = 500;

export interface Explained {
  plan: PlanKind | "empty";
  /** Plan of the page after a capped walk fell short, if it did. */
  fellBack: boolean;
  statements: (TracedStatement & { queryPlan: string[] })[];
}

export class SqliteCustomerStore implements Store {
  private readonly reader: Reader;
  private readonly inMemory: boolean;
  private readonly bulk: BulkLoader;
  private readonly users: SqliteUserStore;
  /**
   * Runs work in one transaction. Built once: better-sqlite3's `db.transaction(fn)` builds
   * its wrappers on every call, about 12 µs, a few percent of a page.
   */
  private readonly inTransaction: <T>(work: () => T) => T;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly planner: PlannerOptions,
  ) {
    this.inTransaction = db.transaction((work: () => unknown) => work()) as <T>(work: () => T) => T;
    this.reader = new Reader(db);
    this.inMemory = path === ":memory:";
    this.bulk = new BulkLoader(db, this.reader, this.inMemory);
    this.users = new SqliteUserStore(this.reader, this.inTransaction);
  }

  static open(path: string, planner: PlannerOptions = {}): SqliteCustomerStore {
    const inMemory = path === ":memory:";
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    // WAL lets the stream's reader connections run beside the writer.
    if (!inMemory) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -131072"); // 128 MiB: keeps the hot indexes of a million rows in memory
    // Reads the rest straight from the OS page cache, without a read() and a copy per page
    // (this build caps the map at 2 GiB; a database beyond it reads the tail as before).
    if (!inMemory) db.pragma("mmap_size = 2147418112");
    migrate(db);
    const store = new SqliteCustomerStore(db, path, planner);
    store.bulk.recover();
    return store;
  }

  async listPage(q: CustomerQuery, page: PageRequest): Promise<Page> {
    return this.page(q, page);
  }

  private page(q: CustomerQuery, page: PageRequest, trace?: TracedStatement[], explained?: Partial<Explained>): Page {
    if (!Number.isSafeInteger(page.page) || page.page < 0) throw new RangeError("page must be an integer >= 0");
    if (!Number.isSafeInteger(page.countPerPage) || page.countPerPage < 1) {
      throw new RangeError("countPerPage must be an integer >= 1");
    }
    this.bulk.end();
    // One read transaction, so the probes, the page and the count describe one snapshot.
    return this.inTransaction((): Page => {
      const r = resolve(this.reader, q, trace);
      if (!r) {
        if (explained) explained.plan = "empty";
        return page.count ? { items: [], totalCount: 0, hasMorePages: false } : { items: [], hasMorePages: false };
      }
      const offset = page.page * page.countPerPage;
      const need = page.countPerPage + 1; // one more than a page says whether another exists
      const choice = choose(this.reader, this.planner, r, offset + need, trace);
      if (explained) {
        explained.plan = choice.kind;
        explained.fellBack = false;
      }
      let seqs: number[] | undefined;
      if (choice.kind === "walk-capped") {
        const walk = walkQuery(r, choice.cap);
        seqs = this.reader.seqs("page (capped walk)", walk.sql + PAGED, [...walk.params, need, offset], trace);
        // Short of a page: the cap cut the walk, so the rest of the matches are unknown.
        if (seqs.length < need) {
          seqs = undefined;
          if (explained) explained.fellBack = true;
        }
      }
      if (!seqs) {
        const built = choice.kind === "walk" ? walkQuery(r) : candidatesQuery(r, choice.driver!);
        seqs = this.reader.seqs(
          `page (${choice.kind === "walk" ? "walk" : "candidates"})`,
          built.sql + PAGED,
          [...built.params, need, offset],
          trace,
        );
      }
      const hasMorePages = seqs.length > page.countPerPage;
      const items = this.reader.bodiesBySeq(hasMorePages ? seqs.slice(0, page.countPerPage) : seqs, trace);
      if (!page.count) return { items, hasMorePages };
      return { items, totalCount: count(this.reader, r, choice, trace), hasMorePages };
    });
  }

  stream(q: CustomerQuery): AsyncGenerator<CustomerJson> {
    return this.streamed(q, (reader, seqs) => reader.bodiesBySeq(seqs));
  }

  streamCsv(q: CustomerQuery): AsyncGenerator<string> {
    return this.streamed(q, (reader, seqs) => reader.csvBySeq(seqs));
  }

  /** Every match in order, read a batch of seqs at a time as `read` gives them. */
  private async *streamed<T>(q: CustomerQuery, read: (reader: Reader, seqs: number[]) => T[]): AsyncGenerator<T> {
    this.bulk.end();
    const built = this.inTransaction(() => {
      const r = resolve(this.reader, q);
      if (!r) return undefined;
      // A stream reads every match: the page is the whole table.
      const choice = choose(this.reader, this.planner, r, r.total);
      return choice.kind === "candidates" ? candidatesQuery(r, choice.driver!) : walkQuery(r);
    });
    if (!built) return;
    if (this.inMemory) {
      // No second connection can see an in-memory database; it is small by nature, so
      // OFFSET batches on the main connection are good enough.
      for (let offset = 0; ; offset += STREAM_BATCH) {
        const seqs = this.reader.seqs("stream", built.sql + PAGED, [...built.params, STREAM_BATCH, offset]);
        for (const c of read(this.reader, seqs)) yield c;
        if (seqs.length < STREAM_BATCH) return;
        await nextTurn();
      }
    }
    // A private read-only connection: an open iterator blocks writes and transactions on
    // its connection, and this one may stay open for as long as the client reads. It
    // also gives the whole stream one consistent snapshot.
    const conn = new Database(this.path, { readonly: true, fileMustExist: true });
    try {
      const reader = new Reader(conn);
      let batch: number[] = [];
      const flush = () => read(reader, batch);
      for (const row of reader.objects(built.sql).iterate(built.params) as IterableIterator<{ seq: number }>) {
        batch.push(row.seq);
        if (batch.length < STREAM_BATCH) continue;
        for (const c of flush()) yield c;
        batch = [];
        await nextTurn(); // let other requests run between batches
      }
      for (const c of flush()) yield c;
    } finally {
      conn.close();
    }
  }

  /**
   * Runs a page query and returns every statement it ran (size probes, the page, the
   * rows, the count) with SQLite's plan for each (SQLite-only diagnostics: tests and
   * scripts/bench/explain.ts). What it shows is what listPage runs.
   */
  explain(q: CustomerQuery, page: PageRequest): Explained {
    const trace: TracedStatement[] = [];
    const explained: Partial<Explained> = { fellBack: false };
    this.page(q, page, trace, explained);
    return {
      plan: explained.plan ?? "empty",
      fellBack: explained.fellBack ?? false,
      statements: trace.map((s) => ({
        ...s,
        queryPlan: (this.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(s.params) as { detail: string }[]).map((p) => p.detail),
      })),
    };
  }

  /** The query plans of a first page of 25 with its count, flattened (tests use it). */
  explainPage(q: CustomerQuery): string[] {
    return this.explain(q, { page: 0, countPerPage: 25, count: true }).statements.flatMap((s) => s.queryPlan);
  }

  async isEmpty(): Promise<boolean> {
    const r = this.reader
      .objects(`SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM customers)
      AND NOT EXISTS (SELECT 1 FROM users) AS empty`)
      .get() as { empty: number };
    return r.empty === 1;
  }

  async seedState(): Promise<SeedState> {
    const mark = this.reader.value<string>("seed mark", `SELECT value FROM store_meta WHERE key = 'seed'`, []);
    if (mark === "started") {
      // SQLite is one machine's file: the claiming process is alive or it is not.
      const pid = Number(this.reader.value<string>("seed pid", `SELECT value FROM store_meta WHERE key = 'seed_pid'`, []));
      return processAlive(pid) ? "seeding" : "incomplete";
    }
    return mark === undefined && (await this.isEmpty()) ? "empty" : "ready";
  }

  async claimSeed(): Promise<boolean> {
    return this.inTransaction(() => {
      const claimed = this.reader.stmt(`INSERT INTO store_meta(key, value) VALUES ('seed', 'started') ON CONFLICT(key) DO NOTHING`).run();
      if (claimed.changes === 1)
        this.reader.stmt(`INSERT OR REPLACE INTO store_meta(key, value) VALUES ('seed_pid', ?)`).run(String(process.pid));
      return claimed.changes === 1;
    });
  }

  async completeSeed(): Promise<void> {
    this.reader.stmt(`UPDATE store_meta SET value = 'complete' WHERE key = 'seed'`).run();
  }

  async optimize(): Promise<void> {
    this.bulk.end();
    // Merged FTS segments answer faster; bounded ANALYZE keeps this to seconds at 1M rows.
    this.db.exec(`INSERT INTO customers_fts(customers_fts) VALUES ('optimize')`);
    this.db.exec(`INSERT INTO customer_names_fts(customer_names_fts) VALUES ('optimize')`);
    this.db.pragma("analysis_limit = 2000");
    this.db.exec("ANALYZE");
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.bulk.end();
      this.db.pragma("optimize");
      this.db.close();
    }
  }

  insertAccounts(accounts: AccountInfo[]): Promise<void> {
    return this.bulk.insertAccounts(accounts);
  }

  insertTags(tags: Tag[]): Promise<void> {
    return this.bulk.insertTags(tags);
  }

  insertCustomers(batch: NewCustomer[]): Promise<void> {
    return this.bulk.insertCustomers(batch);
  }

  findUser(username: string): Promise<StoredUser | undefined> {
    return this.users.findUser(username);
  }

  findApiKey(keyHash: string): Promise<StoredUser | undefined> {
    return this.users.findApiKey(keyHash);
  }

  insertUsers(users: StoredUser[]): Promise<void> {
    return this.users.insertUsers(users);
  }

  insertApiKey(keyHash: string, username: string, label?: string): Promise<void> {
    return this.users.insertApiKey(keyHash, username, label);
  }
}

/** Signal 0 tests for a process without touching it; EPERM means it exists under another user. */
function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
