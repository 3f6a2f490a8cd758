// CustomerStore on PostgreSQL (driver: postgres, "postgres.js"): the engine for more than
// one server instance. Every instance is stateless; the database holds users, keys and
// customers, so any instance answers any request identically.
//
// A page is two statements: the page's seqs (WHERE + ORDER BY + LIMIT, which PostgreSQL
// plans from its statistics), then those customers' stored bodies (bodies.ts). The
// total runs beside the page on another pooled connection, from the per-account or
// per-tag counts when the filters allow it. `all=true` and CSV read through a
// server-side cursor, a batch at a time. schema.ts explains the indexes.
import type postgres from "postgres";
import type { AccountInfo, CustomerInfo, Tag } from "../../../generated/schema.js";
import { JsonText } from "../../../generated/server.js";
import type { CustomerJson, CustomerQuery, NewCustomer, Page, PageRequest, SeedState, Store, StoredUser } from "../contract.js";
import { csvRecord } from "../customer-csv.js";
import { connect, DEFAULT_POOL, type PoolSettings, type Sql, translate } from "./connect.js";
import { Loader } from "./load.js";
import { migrate } from "./migrate.js";
import { BODIES_BY_SEQ, build, orderBy } from "./query.js";
import { PostgresUserStore } from "./users.js";

const STREAM_BATCH = 500;
/** Held by the seeding session (see claimSeed); another key than the migrations'. */
const SEED_LOCK = 0x65766f32; // "evo2"

/** A stored body: checked against CustomerInfo when it was written. */
const trusted = (r: { body: string }): CustomerJson => JsonText.trusted<CustomerInfo>(r.body);

/** One statement of a page, with PostgreSQL's plan for it (npm run explain). */
export interface ExplainedStatement {
  role: string;
  sql: string;
  params: unknown[];
  queryPlan: string[];
}

export class PostgresCustomerStore implements Store {
  private readonly loader: Loader;
  private readonly users: PostgresUserStore;
  /** The reserved connection that holds SEED_LOCK while this process seeds. */
  private seedSession: postgres.ReservedSql | undefined;

  private constructor(
    readonly sql: Sql,
    private readonly url: string,
  ) {
    this.loader = new Loader(sql);
    this.users = new PostgresUserStore(sql);
  }

  /** Connects and migrates; an unreachable database is a StoreUnavailableError naming host and port only. */
  static async open(url: string, pool: PoolSettings = DEFAULT_POOL): Promise<PostgresCustomerStore> {
    const sql = connect(url, pool);
    try {
      await migrate(sql);
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      translate(error, url);
    }
    return new PostgresCustomerStore(sql, url);
  }

  /** Connection failures become StoreUnavailableError (503), query errors pass unchanged. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      translate(error, this.url);
    }
  }

  /** The statements of a page: the seqs, and the count unless the counts table answers it. */
  private statements(q: CustomerQuery, page: PageRequest) {
    if (!Number.isSafeInteger(page.page) || page.page < 0) throw new RangeError("page must be an integer >= 0");
    if (!Number.isSafeInteger(page.countPerPage) || page.countPerPage < 1) {
      throw new RangeError("countPerPage must be an integer >= 1");
    }
    const built = build(q);
    if (!built) return undefined;
    const n = built.params.length;
    const need = page.countPerPage + 1; // one more than a page says whether another exists
    return {
      page: {
        sql: `SELECT c.seq FROM customers c ${built.where} ORDER BY ${orderBy(q)} LIMIT $${n + 1} OFFSET $${n + 2}`,
        params: [...built.params, need, page.page * page.countPerPage],
      },
      count: built.total ?? { sql: `SELECT count(*)::int AS n FROM customers c ${built.where}`, params: built.params },
    };
  }

  async listPage(q: CustomerQuery, page: PageRequest): Promise<Page> {
    await this.loader.end();
    const s = this.statements(q, page);
    if (!s) return page.count ? { items: [], totalCount: 0, hasMorePages: false } : { items: [], hasMorePages: false };
    return this.run(async () => {
      const [seqRows, countRows] = await Promise.all([
        this.sql.unsafe<{ seq: number }[]>(s.page.sql, s.page.params as never[]),
        page.count ? this.sql.unsafe<{ n: number }[]>(s.count.sql, s.count.params as never[]) : undefined,
      ]);
      const hasMorePages = seqRows.length > page.countPerPage;
      const seqs = seqRows.slice(0, page.countPerPage).map((r) => r.seq);
      const rows = seqs.length ? await this.sql.unsafe<{ body: string }[]>(BODIES_BY_SEQ, [seqs] as never[]) : [];
      const items = rows.map(trusted);
      return countRows ? { items, totalCount: countRows[0]!.n, hasMorePages } : { items, hasMorePages };
    });
  }

  /** Encoded from the bodies as they stream: PostgreSQL keeps no CSV records yet. */
  async *streamCsv(q: CustomerQuery): AsyncGenerator<string> {
    for await (const body of this.stream(q)) yield csvRecord(JSON.parse(body.text) as CustomerInfo);
  }

  async *stream(q: CustomerQuery): AsyncGenerator<CustomerJson> {
    await this.loader.end();
    const built = build(q);
    if (!built) return;
    // A stream is one statement for as long as the client reads: the statement timeout,
    // meant for pages, would cut a million rows off after 30 s, mid-response. Its own
    // session lifts it for this statement only.
    const session = await this.run(() => this.sql.reserve());
    try {
      await session`SET statement_timeout = 0`;
      const cursor = session
        .unsafe<{ body: string }[]>(
          `SELECT d.body FROM customers c LEFT JOIN customer_documents d ON d.seq = c.seq
          ${built.where} ORDER BY ${orderBy(q)}`,
          built.params as never[],
        )
        .cursor(STREAM_BATCH);
      for await (const rows of cursor) for (const r of rows) yield trusted(r);
    } catch (error) {
      translate(error, this.url);
    } finally {
      await session`RESET statement_timeout`.catch(() => {});
      session.release();
    }
  }

  /** Each statement of a page with EXPLAIN (ANALYZE, BUFFERS): what listPage runs, and how. */
  async explain(q: CustomerQuery, page: PageRequest): Promise<ExplainedStatement[]> {
    const s = this.statements(q, page);
    if (!s) return [];
    const seqs = (await this.sql.unsafe<{ seq: number }[]>(s.page.sql, s.page.params as never[])).map((r) => r.seq);
    const all = [
      { role: "page", ...s.page },
      { role: "bodies", sql: BODIES_BY_SEQ, params: [seqs.slice(0, page.countPerPage)] },
      ...(page.count ? [{ role: "count", ...s.count }] : []),
    ];
    const out: ExplainedStatement[] = [];
    for (const st of all) {
      const plan = await this.sql.unsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${st.sql}`, st.params as never[]);
      out.push({ ...st, queryPlan: plan.map((p) => p["QUERY PLAN"]) });
    }
    return out;
  }

  async isEmpty(): Promise<boolean> {
    return this.run(async () => {
      const [r] = await this.sql<{ empty: boolean }[]>`SELECT NOT EXISTS (SELECT 1 FROM accounts)
        AND NOT EXISTS (SELECT 1 FROM customers) AND NOT EXISTS (SELECT 1 FROM users) AS empty`;
      return r!.empty;
    });
  }

  async seedState(): Promise<SeedState> {
    const [mark] = await this.run(() => this.sql<{ value: string }[]>`SELECT value FROM store_meta WHERE key = 'seed'`);
    if (mark?.value === "started") {
      // The seeding session holds SEED_LOCK until it ends: free means its process died.
      const [lock] = await this.run(
        () => this.sql<{ free: boolean }[]>`SELECT CASE WHEN pg_try_advisory_lock(${SEED_LOCK})
          THEN pg_advisory_unlock(${SEED_LOCK}) ELSE false END AS free`,
      );
      return lock!.free ? "incomplete" : "seeding";
    }
    return mark === undefined && (await this.isEmpty()) ? "empty" : "ready";
  }

  async claimSeed(): Promise<boolean> {
    return this.run(async () => {
      // One session holds the lock for the whole seed; it ends (and frees it) if the process dies.
      const session = await this.sql.reserve();
      const [got] = await session<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${SEED_LOCK}) AS ok`;
      const rows = got!.ok
        ? await session`INSERT INTO store_meta(key, value) VALUES ('seed', 'started') ON CONFLICT (key) DO NOTHING RETURNING key`
        : [];
      if (rows.length === 1) {
        this.seedSession = session;
        return true;
      }
      if (got!.ok) await session`SELECT pg_advisory_unlock(${SEED_LOCK})`;
      session.release();
      return false;
    });
  }

  async completeSeed(): Promise<void> {
    await this.run(() => this.sql`UPDATE store_meta SET value = 'complete' WHERE key = 'seed'`);
    await this.releaseSeed();
  }

  private async releaseSeed(): Promise<void> {
    const session = this.seedSession;
    this.seedSession = undefined;
    if (!session) return;
    await session`SELECT pg_advisory_unlock(${SEED_LOCK})`.catch(() => {});
    session.release();
  }

  insertAccounts(accounts: AccountInfo[]): Promise<void> {
    return this.run(() => this.loader.insertAccounts(accounts));
  }

  insertTags(tags: Tag[]): Promise<void> {
    return this.run(() => this.loader.insertTags(tags));
  }

  insertCustomers(batch: NewCustomer[]): Promise<void> {
    return this.run(() => this.loader.insertCustomers(batch));
  }

  optimize(): Promise<void> {
    return this.run(() => this.loader.analyze());
  }

  findUser(username: string): Promise<StoredUser | undefined> {
    return this.run(() => this.users.findUser(username));
  }

  findApiKey(keyHash: string): Promise<StoredUser | undefined> {
    return this.run(() => this.users.findApiKey(keyHash));
  }

  insertUsers(users: StoredUser[]): Promise<void> {
    return this.run(() => this.users.insertUsers(users));
  }

  insertApiKey(keyHash: string, username: string, label?: string): Promise<void> {
    return this.run(() => this.users.insertApiKey(keyHash, username, label));
  }

  async close(): Promise<void> {
    await this.releaseSeed();
    await this.loader.end().catch(() => {});
    await this.sql.end({ timeout: 5 });
  }
}
