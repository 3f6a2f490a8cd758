// How the bench measures: load with many connections (load-client.ts), service time one
// request at a time, streaming time, and a process's peak RSS.
import { readFileSync } from "node:fs";
import { quantile, runLoad } from "./load-client.js";

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A latency for a table: two decimals below 10 ms, one above. */
export const formatMs = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** Each measurement runs for a time, or for a number of requests (the smoke run). */
export type Bound = { seconds: number } | { requests: number };

/** `connections` in a closed loop, after `warmUp` requests on one: lazy initialisation (the validator compiles on first use) is not throughput. */
export async function load(url: string, authorization: string, connections: number, bound: Bound, warmUp = 20): Promise<Measured> {
  const headers = { authorization };
  if (warmUp > 0) await runLoad({ url, headers, connections: 1, bound: { requests: warmUp } });
  const result = await runLoad({ url, headers, connections, bound });
  const latencies = result.latencies.sort((a, b) => a - b);
  return {
    rps: result.requests / result.seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors: result.errors,
  };
}

/**
 * One request at a time on a kept-alive connection, each timed with the monotonic clock:
 * p50 is the service time, to a microsecond.
 */
export async function serviceTime(url: string, authorization: string, bound: Bound): Promise<Measured> {
  // Warm-up: the connection, and the statements SQLite prepares on first use.
  const warmUp = "seconds" in bound ? 20 : Math.min(20, Math.ceil(bound.requests / 6));
  return load(url, authorization, 1, bound, warmUp);
}

/** The kernel's record of the most memory the process has ever had resident. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function drain(url: string, authorization: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization } });
  if (!response.ok || !response.body) throw new Error(`${url}: ${response.status}`);
  let bytes = 0;
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) bytes += read.value.byteLength;
  return { ms: performance.now() - started, bytes };
}
