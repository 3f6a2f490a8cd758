// Passwords (scrypt), API keys (sha256 of a random token) and the verifier the HTTP layer
// calls on every request.
//
// An API key is made by `npm run api-key -- USER` (server/cli/api-key.ts) or
// createApiKey(store, username).
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import type { StoredUser, UserStore } from "../store/contract.js";

// N = 2^15, r = 8: ~32 MiB and tens of milliseconds per hash, OWASP's scrypt baseline.
const SCRYPT = { N: 32768, r: 8, p: 1, keyLength: 32, saltLength: 16 };
// A stored hash names its own cost; refuse costs that would let a bad row exhaust memory.
const MAX_N = 2 ** 20;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize("NFC"), salt, keyLength, { N, r, p, maxmem: 129 * N * r * p + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** scrypt's work factors. Stored hashes name their own, so any cost verifies. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * `scrypt$N$r$p$salt$hash`, salt and hash in base64. `cost` is for tests of the code
 * around the hash (the verifier's cache), which need many hashes and none of their
 * strength; everything else takes the default.
 */
export async function hashPassword(password: string, cost: ScryptCost = SCRYPT): Promise<string> {
  const { keyLength, saltLength } = SCRYPT;
  const { N, r, p } = cost;
  const salt = randomBytes(saltLength);
  const key = await scrypt(password, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  const sane =
    Number.isInteger(N) &&
    N > 1 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16 &&
    salt.length >= 8 &&
    expected.length >= 16;
  if (!sane) return false;
  const actual = await scrypt(password, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** The stored form of an API key: sha256 hex. A key has 256 random bits, so no salt or slow hash is needed. */
export function hashApiKey(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function makeApiKey(): string {
  return `evo_${randomBytes(32).toString("base64url")}`;
}

/** Creates an API key for an existing user and returns it: the only time the plaintext exists. */
export async function createApiKey(store: UserStore, username: string, label?: string): Promise<string> {
  const user = await store.findUser(username);
  if (!user) throw new Error(`no user named "${username}"`);
  const token = makeApiKey();
  await store.insertApiKey(hashApiKey(token), user.username, label);
  return token;
}

async function timeOneHash(): Promise<number> {
  const started = performance.now();
  await hashPassword(randomBytes(16).toString("hex"));
  return performance.now() - started;
}

export interface CredentialVerifierOptions {
  /** How long a successful Basic verification is trusted. Default 60 s. */
  ttlMs?: number;
  /** Bound on cached verifications; the oldest go first. Default 10,000. */
  maxEntries?: number;
  /** Password checks run at once. Default: the cores, at most libuv's 4 threads. */
  slots?: number;
  /** Password checks that may wait for a slot; past it, VerifierBusy. Default 32. */
  queueLimit?: number;
  /** Injectable for tests (to count scrypt calls). */
  verifyPassword?: (password: string, stored: string) => Promise<boolean>;
  now?: () => number;
  /** Injectable for tests (to see how long an unknown user is kept waiting). */
  sleep?: (ms: number) => Promise<unknown>;
}

/** Too many password checks are waiting already: refused without checking. */
export class VerifierBusy extends Error {
  constructor() {
    super("Too many sign-ins are being checked; try again in a second.");
  }
}

interface CacheEntry {
  passwordHash: string;
  expiresAt: number;
}

/**
 * Verifies Basic credentials and bearer API keys against the store.
 *
 * Basic auth sends the password on every request and scrypt is deliberately slow, so a
 * success is cached for a short time. The cache key is an HMAC of `username\0password`
 * under a per-process random secret: the cache never holds a password or a hash an
 * attacker could test guesses against offline. A hit also requires the user's stored
 * hash to be the one that was verified, so a password change takes effect at once.
 * Failures are never cached: a wrong password always costs a full scrypt.
 *
 * scrypt is slow on purpose, so it is rationed: a few checks run at once (each takes a
 * libuv thread and 32 MiB) and a bounded queue waits; past it, VerifierBusy. An unknown
 * username costs no scrypt at all: it waits as long as a real check takes now, queue
 * included, so response times still do not tell which usernames exist, and a flood of
 * made-up names cannot take the slots real users need.
 */
export class CredentialVerifier {
  private readonly secret = randomBytes(32);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly verify: (password: string, stored: string) => Promise<boolean>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly limit: LimitFunction;
  private readonly queueLimit: number;
  /** A moving average of how long a password check takes, queue excluded; measured once if need be. */
  private checkMs: number | undefined;
  private measuring: Promise<number> | undefined;

  constructor(
    private readonly store: Pick<UserStore, "findUser" | "findApiKey">,
    options: CredentialVerifierOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.verify = options.verifyPassword ?? verifyPassword;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.limit = pLimit(options.slots ?? Math.min(4, availableParallelism()));
    this.queueLimit = options.queueLimit ?? 32;
  }

  /**
   * `admit` runs once the cache cannot answer, before any password work: the throttle
   * throws from it to refuse. A recent success is answered from the cache without it.
   */
  async verifyBasic(username: string, password: string, admit?: () => Promise<void>): Promise<StoredUser | undefined> {
    const user = await this.store.findUser(username);
    if (!user) {
      await admit?.();
      await this.sleep(await this.expectedCheckMs());
      return undefined;
    }
    // Length-prefixed, so no (username, password) pair can collide with another by moving a \0.
    const key = createHmac("sha256", this.secret).update(`${username.length}:${username}\0${password}`).digest("base64");
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now() && cached.passwordHash === user.passwordHash) return user;
    if (cached) this.cache.delete(key);
    await admit?.();

    // Concurrent requests with the same credentials share one scrypt.
    const flightKey = `${key}\0${user.passwordHash}`;
    let pending = this.inFlight.get(flightKey);
    if (!pending) {
      pending = this.check(password, user.passwordHash).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, pending);
    }
    if (!(await pending)) return undefined;
    this.remember(key, user.passwordHash);
    return user;
  }

  async verifyBearer(token: string): Promise<StoredUser | undefined> {
    if (token === "") return undefined;
    return this.store.findApiKey(hashApiKey(token));
  }

  /** One scrypt in a slot, timed for the average unknown users wait for. */
  private check(password: string, stored: string): Promise<boolean> {
    if (this.limit.pendingCount >= this.queueLimit) return Promise.reject(new VerifierBusy());
    return this.limit(async () => {
      const started = performance.now();
      try {
        return await this.verify(password, stored);
      } finally {
        const ms = performance.now() - started;
        this.checkMs = this.checkMs === undefined ? ms : 0.8 * this.checkMs + 0.2 * ms;
      }
    });
  }

  /** What a real user's check would take now: one check, plus its turn in the queue. */
  private async expectedCheckMs(): Promise<number> {
    // Measured once if no real check has run yet, shared so a flood of unknown names at
    // start-up does not each measure.
    if (this.checkMs === undefined) this.measuring ??= timeOneHash();
    const checkMs = this.checkMs ?? (await this.measuring!);
    const waiting = this.limit.activeCount + this.limit.pendingCount;
    return checkMs * (1 + Math.floor(waiting / this.limit.concurrency));
  }

  /** Number of cached verifications (for tests and metrics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  private remember(key: string, passwordHash: string): void {
    this.cache.delete(key);
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(key, { passwordHash, expiresAt: this.now() + this.ttlMs });
  }
}
