// The bench's load client: it must find every response's end however the bytes arrive,
// and count what a server really answered, or every throughput in BENCHMARKS.md is wrong.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { quantile, ResponseScanner, runLoad } from "../scripts/bench/load-client.js";

/**
 * Feeds `wire` to a scanner in pieces of `size` bytes and returns the statuses it reported.
 * Each piece comes in one buffer that is overwritten after it is fed, as runLoad reads.
 */
function scan(wire: string, size: number): number[] {
  const statuses: number[] = [];
  const scanner = new ResponseScanner((status) => statuses.push(status));
  const bytes = Buffer.from(wire, "latin1");
  const readInto = Buffer.alloc(size);
  for (let at = 0; at < bytes.length; at += size) {
    scanner.feed(readInto.subarray(0, bytes.copy(readInto, 0, at, at + size)));
    readInto.fill("~");
  }
  // It stands at a response's start: the next response is read as one.
  const read = [...statuses];
  scanner.feed(Buffer.from(lengthResponse(201, "next"), "latin1"));
  expect(statuses).toEqual([...read, 201]);
  return read;
}

const lengthResponse = (status: number, body: string) =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const chunkedResponse = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1a;ext=1\r\n${"x".repeat(26)}\r\n0\r\nX-Trailer: 1\r\n\r\n`;

describe("ResponseScanner", () => {
  const wire = [
    lengthResponse(200, "a body with\r\n\r\nblank lines in it"),
    chunkedResponse,
    "HTTP/1.1 100 Continue\r\n\r\n",
    lengthResponse(404, "{}"),
    "HTTP/1.1 204 No Content\r\n\r\n",
    lengthResponse(200, ""),
  ].join("");

  it("reports each response's status at its end, whatever the bytes' split (interim 1xx not counted)", () => {
    for (const size of [1, 2, 7, 64, wire.length]) expect(scan(wire, size), `pieces of ${size}`).toEqual([200, 200, 404, 204, 200]);
  });

  it("reports nothing until a response's last byte has arrived", () => {
    const statuses: number[] = [];
    const scanner = new ResponseScanner((status) => statuses.push(status));
    const whole = Buffer.from(chunkedResponse, "latin1");
    scanner.feed(whole.subarray(0, whole.length - 1));
    expect(statuses).toEqual([]);
    scanner.feed(whole.subarray(whole.length - 1));
    expect(statuses).toEqual([200]);
    scanner.feed(Buffer.from(lengthResponse(404, ""), "latin1"));
    expect(statuses).toEqual([200, 404]);
  });

  it("refuses a response whose end it cannot know, rather than miscount", () => {
    const scanner = new ResponseScanner(() => {});
    expect(() => scanner.feed(Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody"))).toThrow(/Content-Length/);
  });
});

describe("runLoad", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  /** A server that answers by `handle` and counts what it answered. */
  async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) {
    const seen = { requests: 0, authorized: 0 };
    server = http.createServer((req, res) => {
      seen.requests++;
      if (req.headers.authorization === "Basic eA==") seen.authorized++;
      handle(req, res, seen.requests);
    });
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/customers?x=1`, seen };
  }
  const headers = { authorization: "Basic eA==" };

  it("sends exactly the requests it is bounded to, with its headers, and counts their answers", async () => {
    const { url, seen } = await serve((_req, res, n) => {
      res.writeHead(n % 4 === 0 ? 500 : 200, { "content-type": "text/plain" });
      if (n % 2)
        res.end("x".repeat(30_000)); // chunked (no length given) and Content-Length both occur
      else res.end("short");
    });
    const result = await runLoad({ url, headers, connections: 3, bound: { requests: 40 } });
    expect(result.requests).toBe(40);
    expect(seen).toEqual({ requests: 40, authorized: 40 });
    expect(result.errors).toBe(10); // every fourth was a 500
    expect(result.latencies.every((ms) => ms >= 0)).toBe(true);
  });

  it("goes on over a new connection when the server closes one, and counts a response cut short", async () => {
    const { url, seen } = await serve((_req, res, n) => {
      if (n === 5) {
        res.writeHead(200, { "content-length": "100" });
        res.write("only part");
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      res.writeHead(200, { "content-length": "2", connection: n % 3 === 0 ? "close" : "keep-alive" });
      res.end("ok");
    });
    const result = await runLoad({ url, headers, connections: 2, bound: { requests: 30 } });
    expect(seen.requests).toBe(30);
    expect(result.requests).toBe(29);
    expect(result.errors).toBe(1);
  });

  it("fails the whole run on a response whose end it cannot find, and stops sending", async () => {
    const { url, seen } = await serve((_req, res) => {
      // HTTP/1.0 and no length: the body ends when the connection does.
      res.socket!.end("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody");
    });
    await expect(runLoad({ url, headers, connections: 3, bound: { seconds: 5 } })).rejects.toThrow(/Content-Length/);
    await new Promise((done) => setTimeout(done, 200));
    expect(seen.requests).toBeLessThanOrEqual(3); // the first request of each connection, no more
  });

  it("stops at the deadline of a timed run", async () => {
    const { url } = await serve((_req, res) => res.end("ok"));
    const result = await runLoad({ url, headers, connections: 2, bound: { seconds: 0.3 } });
    expect(result.requests).toBeGreaterThan(10);
    expect(result.seconds).toBeGreaterThanOrEqual(0.3);
    expect(result.seconds).toBeLessThan(5);
    expect(result.errors).toBe(0);
  });

  it("counts a refused connection as an error and does not retry it", async () => {
    const { url } = await serve((_req, res) => res.end("ok"));
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    const result = await runLoad({ url, headers, connections: 2, bound: { seconds: 5 } });
    expect(result).toMatchObject({ requests: 0, errors: 2 });
  });
});

describe("quantile", () => {
  it("takes the sample at or below the quantile's rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.99), quantile(sorted, 1)]).toEqual([51, 100, 100]);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
