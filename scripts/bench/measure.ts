// How the bench measures: load with many connections (autocannon), service time one
// request at a time, streaming time, and a process's peak RSS.
import http from "node:http";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Each measurement runs for a time, or for a number of requests (the smoke run). */
export type Bound = { seconds: number } | { requests: number };

// autocannon samples once a second by default, so a run bounded by requests would last at
// least a second; a 100 ms sample ends it with the requests, and rps comes from the totals.
const countedSampleMs = 100;

export async function load(url: string, authorization: string, connections: number, bound: Bound): Promise<Measured> {
  // A short warm-up first: lazy initialisation (the validator compiles on first use) is not throughput.
  await autocannon({ url, connections: 1, amount: 20, sampleInt: countedSampleMs, headers: { authorization } });
  const limit = "seconds" in bound ? { duration: bound.seconds } : { amount: bound.requests, sampleInt: countedSampleMs };
  const result = await autocannon({ url, connections, ...limit, headers: { authorization } });
  const rps = "seconds" in bound ? result.requests.average : result.requests.total / Math.max(result.duration, 0.001);
  return { rps, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

function getOnce(agent: http.Agent, url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { authorization } }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

/**
 * One request at a time on a kept-alive connection, each timed with the monotonic clock:
 * p50 is the service time, to a microsecond (autocannon rounds latency to whole ms).
 */
export async function serviceTime(url: string, authorization: string, bound: Bound): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Warm-up: the connection, and the statements SQLite prepares on first use.
  const warmUp = "seconds" in bound ? 20 : Math.min(20, Math.ceil(bound.requests / 6));
  for (let i = 0; i < warmUp; i++) await getOnce(agent, url, authorization);
  const samples: number[] = [];
  let errors = 0;
  const began = performance.now();
  const more = "seconds" in bound ? () => performance.now() < began + bound.seconds * 1000 : () => samples.length < bound.requests;
  while (more()) {
    const started = performance.now();
    const status = await getOnce(agent, url, authorization);
    samples.push(performance.now() - started);
    if (status < 200 || status >= 300) errors++;
  }
  const elapsed = (performance.now() - began) / 1000;
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { rps: samples.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
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
