// The bench's load: keep-alive connections on raw sockets, each sending its next GET as
// soon as the last response has ended (a closed loop, as autocannon runs one), bounded in
// time or in requests.
//
// Why not autocannon: client and server share this machine's 2 cores, so every µs the
// client spends on a response is taken from the server. Measured side by side (3 rounds
// of 5 s, CPU taken inside each client), against a bare node:http server sending a 40 KB
// page: autocannon 9 spent 113 to 122 µs of CPU a response, this reader 38 to 45 (55 to
// 64 when it read through socket streams, before net's `onread`). Against our compiled
// server: 205 to 246, and 81 to 103 (118 to 133). It finds where each response ends
// (Content-Length or chunked) and reads nothing else.

import net from "node:net";

/** What a run measured; latencies in ms, from the request written to the response's last byte. */
export interface LoadResult {
  requests: number;
  seconds: number;
  latencies: number[];
  /** Responses outside 2xx, and connections that failed or closed mid-response. */
  errors: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  bound: { seconds: number } | { requests: number };
}

type Phase = "head" | "body" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers";

/**
 * Finds the ends of HTTP/1.1 responses in the bytes of one connection, however the bytes
 * are split, and reports each response's status as it ends. Bodies are skipped, not kept.
 */
export class ResponseScanner {
  private phase: Phase = "head";
  private pending: Buffer | undefined; // an incomplete head, chunk-size line or trailer line
  private remaining = 0; // body or chunk bytes still to skip
  private status = 0;

  private closes = false;

  /** `closes`: the server said it closes the connection after this response. */
  constructor(private readonly onResponse: (status: number, closes: boolean) => void) {}

  feed(bytes: Buffer): void {
    const data = this.pending ? Buffer.concat([this.pending, bytes]) : bytes;
    this.pending = undefined;
    let at = 0;
    while (at < data.length) {
      if (this.phase === "body" || this.phase === "chunk-data") {
        const skip = Math.min(this.remaining, data.length - at);
        at += skip;
        this.remaining -= skip;
        if (this.remaining > 0) return;
        if (this.phase === "body") this.end();
        else this.phase = "chunk-end";
        continue;
      }
      const lineEnd = data.indexOf(this.phase === "head" ? "\r\n\r\n" : "\r\n", at, "latin1");
      if (lineEnd < 0) {
        // A copy: the caller may reuse the buffer it fed (runLoad reads into one buffer).
        this.pending = Buffer.from(data.subarray(at));
        return;
      }
      const text = data.toString("latin1", at, lineEnd);
      at = lineEnd + (this.phase === "head" ? 4 : 2);
      if (this.phase === "head") this.head(text);
      else if (this.phase === "chunk-size") this.chunkSize(text);
      else if (this.phase === "chunk-end") this.phase = "chunk-size";
      else if (text === "") this.end(); // the blank line after the trailers
    }
  }

  private head(text: string): void {
    this.status = Number(text.slice(9, 12));
    this.closes = /\r\nconnection:[^\r]*close/i.test(text);
    const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(text);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
    if (chunked) this.phase = "chunk-size";
    else if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) this.end();
    else if (length) {
      this.remaining = Number(length[1]);
      this.phase = "body";
      if (this.remaining === 0) this.end();
    } else throw new Error(`a response without Content-Length or chunked encoding (status ${this.status})`);
  }

  private chunkSize(line: string): void {
    const size = Number.parseInt(line, 16);
    if (!Number.isFinite(size)) throw new Error(`a bad chunk size line: ${JSON.stringify(line)}`);
    if (size === 0) this.phase = "trailers";
    else {
      this.remaining = size;
      this.phase = "chunk-data";
    }
  }

  private end(): void {
    this.phase = "head";
    this.remaining = 0;
    // 1xx responses are interim: the real one follows on the same request.
    if (this.status >= 200) this.onResponse(this.status, this.closes);
  }
}

/** Runs the load and resolves when the bound is reached and every connection is closed. */
export function runLoad({ url, headers, connections, bound }: LoadOptions): Promise<LoadResult> {
  const target = new URL(url);
  if (target.protocol !== "http:") throw new Error(`load sends plain HTTP only: ${url}`);
  const port = Number(target.port || 80);
  const request = Buffer.from(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}\r\n`,
    "latin1",
  );
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const began = performance.now();
  const deadline = "seconds" in bound ? began + bound.seconds * 1000 : Infinity;
  const more = () => ("requests" in bound ? sent < bound.requests : performance.now() < deadline);

  // Every socket reads into this one buffer (net's `onread`): no Buffer is made per read and
  // no stream runs. One is enough because each read is scanned before the next is taken.
  const readInto = Buffer.allocUnsafe(64 * 1024);

  return new Promise((resolve, reject) => {
    let open = 0;
    let failed = false;
    const sockets = new Set<net.Socket>();
    const closed = () => {
      if (--open > 0) return;
      resolve({ requests: latencies.length, seconds: (performance.now() - began) / 1000, latencies, errors });
    };
    const connect = () => {
      open++;
      let startedAt = 0;
      let inFlight = false;
      let lastOnThisSocket = false;
      let connected = false;
      const scanner = new ResponseScanner((status, closes) => {
        inFlight = false;
        latencies.push(performance.now() - startedAt);
        if (status < 200 || status >= 300) errors++;
        lastOnThisSocket = closes;
        send();
      });
      // net's onread callback: true reads on, false pauses the socket.
      const scan = (n: number): boolean => {
        try {
          scanner.feed(readInto.subarray(0, n));
          return true;
        } catch (error) {
          // A response it cannot read ends the whole run: its counts would be wrong.
          failed = true;
          for (const s of sockets) s.destroy();
          reject(error);
          return false;
        }
      };
      const socket = net.connect({ port, host: target.hostname, onread: { buffer: readInto, callback: scan } });
      sockets.add(socket);
      socket.setNoDelay(true);
      const send = () => {
        if (failed || lastOnThisSocket || !more()) {
          socket.end();
          return;
        }
        sent++;
        inFlight = true;
        startedAt = performance.now();
        socket.write(request);
      };
      socket.on("connect", () => {
        connected = true;
        send();
      });
      socket.on("error", () => {}); // seen as a close with a request in flight, or before connecting
      socket.on("close", () => {
        sockets.delete(socket);
        if (inFlight || !connected) errors++; // lost mid-request, or refused
        // The loop goes on over a new connection, unless this one was refused (no retry storm).
        if (connected && !failed && more()) connect();
        closed();
      });
    };
    for (let i = 0; i < connections; i++) connect();
  });
}

/** The q-quantile of ascending-sorted samples (q in [0, 1]). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
