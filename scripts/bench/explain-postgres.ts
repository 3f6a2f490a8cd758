// `npm run explain` on PostgreSQL: for each scenario, every statement listPage runs with
// EXPLAIN (ANALYZE, BUFFERS), and the median time of a page with and without the count.
import { PostgresCustomerStore } from "../../server/store/postgres/store.js";
import { redactUrl } from "../../server/store/redact.js";
import type { CustomerQuery, PageRequest } from "../../server/store/contract.js";

export interface Scenario {
  name: string;
  q: CustomerQuery;
  page?: number;
}

/** Lookups with `?` placeholders, as the SQLite side writes them. */
export async function postgresLookup(url: string) {
  const store = await PostgresCustomerStore.open(url, { max: 1, statementTimeoutMs: 0 });
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    one: async <T>(sql: string, ...params: unknown[]): Promise<T> => {
      const [row] = await store.sql.unsafe(numbered(sql), params as never[]);
      return (row ? Object.values(row)[0] : undefined) as T;
    },
    all: async <T>(sql: string): Promise<T[]> => (await store.sql.unsafe(sql)) as unknown as T[],
    close: () => store.close(),
  };
}

export async function explainPostgres(
  url: string,
  scenarios: Scenario[],
  options: { runs: number; only?: string | undefined; summary: boolean },
): Promise<void> {
  const store = await PostgresCustomerStore.open(url);
  const only = options.only ? new RegExp(options.only, "i") : undefined;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const oneLine = (sql: string) => sql.replace(/\s+/g, " ").trim();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = async (sc: Scenario, count: boolean) => {
    const page: PageRequest = { page: sc.page ?? 0, countPerPage: 25, count };
    await store.listPage(sc.q, page); // warm the prepared statements and the pages they read
    const ms: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const t = performance.now();
      await store.listPage(sc.q, page);
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  const rows: string[] = [];
  out(`# Query plans of ${redactUrl(url)} (PostgreSQL; median of ${options.runs} runs, page of 25)\n`);
  for (const sc of scenarios) {
    if (only && !only.test(sc.name)) continue;
    const page: PageRequest = { page: sc.page ?? 0, countPerPage: 25, count: true };
    const statements = await store.explain(sc.q, page);
    const total = (await store.listPage(sc.q, page)).totalCount;
    const withCount = await time(sc, true);
    const withoutCount = await time(sc, false);
    rows.push(
      `| ${sc.name} | ${total ?? ""} | ${withCount.toFixed(2)} | ${withoutCount.toFixed(2)} | ${(withoutCount / withCount).toFixed(2)} |`,
    );
    if (options.summary) continue;
    out(`## ${sc.name}${sc.page ? ` (page ${sc.page})` : ""}`);
    out(`${total} matches; ${withCount.toFixed(2)} ms with count, ${withoutCount.toFixed(2)} ms without\n`);
    for (const s of statements) {
      out(`  [${s.role}] ${oneLine(s.sql)}`);
      out(`    params: ${JSON.stringify(s.params).slice(0, 200)}`);
      for (const line of s.queryPlan) out(`    | ${line}`);
    }
    out("");
  }
  out("## Summary\n");
  out("| scenario | matches | page + count (ms) | page only (ms) | only / full |");
  out("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) out(r);
  await store.close();
}
