import { describe, expect, it } from "vitest";
import {
  CredentialVerifier,
  type CredentialVerifierOptions,
  hashApiKey,
  hashPassword,
  makeApiKey,
  verifyPassword,
  VerifierBusy,
} from "../server/auth/credentials.js";
import type { StoredUser } from "../server/store/contract.js";

describe("password hashes", () => {
  it("round-trips with scrypt and a random salt", async () => {
    const stored = await hashPassword("correct horse");
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("correct horsE", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
    expect(await hashPassword("correct horse")).not.toBe(stored);
  });

  it("rejects malformed or hostile stored hashes instead of throwing", async () => {
    const stored = await hashPassword("pw");
    const parts = stored.split("$");
    for (const bad of [
      "",
      "plain",
      "bcrypt$x",
      parts.slice(0, 5).join("$"),
      ["scrypt", String(2 ** 30), ...parts.slice(2)].join("$"), // memory bomb
      ["scrypt", "1000", ...parts.slice(2)].join("$"),
    ]) {
      // N not a power of two
      expect(await verifyPassword("pw", bad)).toBe(false);
    }
  });
});

describe("API keys", () => {
  it("hashes with sha256 hex", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("makes random evo_ keys with 256 bits", () => {
    const a = makeApiKey();
    expect(a).toMatch(/^evo_[A-Za-z0-9_-]{43}$/);
    expect(makeApiKey()).not.toBe(a);
  });
});

// The verifier's tests are about its cache, not the hash: a cheap cost keeps the many
// hashes and verifications they make fast. The tests above keep the real cost.
const cheap = { N: 1024, r: 8, p: 1 };

/** A store of three users whose hashes can be changed, and a verify function that counts its calls. */
async function setup(options: Omit<CredentialVerifierOptions, "now"> = {}) {
  const users = new Map<string, StoredUser>();
  for (const name of ["ana", "ben", "cy"]) {
    users.set(name, { username: name, passwordHash: await hashPassword(`${name}-pw`, cheap), roles: ["Manager"], accountIds: ["acc_1"] });
  }
  const keys = new Map([[hashApiKey("evo_good"), users.get("ana")!]]);
  const store = {
    findUser: async (u: string) => users.get(u.toLowerCase()),
    findApiKey: async (h: string) => keys.get(h),
  };
  let calls = 0;
  let clock = 1_000_000;
  const verifier = new CredentialVerifier(store, {
    ...options,
    now: () => clock,
    verifyPassword: async (pw, stored) => {
      calls++;
      return (options.verifyPassword ?? verifyPassword)(pw, stored);
    },
  });
  return {
    verifier,
    users,
    calls: () => calls,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe("CredentialVerifier.verifyBasic", () => {
  it("runs scrypt once, then answers from the cache", async () => {
    const t = await setup();
    expect((await t.verifier.verifyBasic("ana", "ana-pw"))?.username).toBe("ana");
    expect(t.calls()).toBe(1);
    for (let i = 0; i < 5; i++) expect((await t.verifier.verifyBasic("ana", "ana-pw"))?.username).toBe("ana");
    expect(t.calls()).toBe(1);
  });

  it("never lets a wrong password through, before or after a cached success", async () => {
    const t = await setup();
    expect(await t.verifier.verifyBasic("ana", "wrong")).toBeUndefined();
    await t.verifier.verifyBasic("ana", "ana-pw");
    expect(await t.verifier.verifyBasic("ana", "wrong")).toBeUndefined();
    expect(await t.verifier.verifyBasic("ana", "ana-pw ")).toBeUndefined();
    expect(await t.verifier.verifyBasic("ben", "ana-pw")).toBeUndefined();
    expect(t.calls()).toBe(5); // failures are never cached: each costs a full scrypt
  });

  it("forgets a success after the TTL", async () => {
    const t = await setup({ ttlMs: 60_000 });
    await t.verifier.verifyBasic("ana", "ana-pw");
    t.advance(59_999);
    await t.verifier.verifyBasic("ana", "ana-pw");
    expect(t.calls()).toBe(1);
    t.advance(2);
    expect((await t.verifier.verifyBasic("ana", "ana-pw"))?.username).toBe("ana");
    expect(t.calls()).toBe(2);
  });

  it("stops trusting the cache as soon as the password changes", async () => {
    const t = await setup();
    await t.verifier.verifyBasic("ana", "ana-pw");
    t.users.get("ana")!.passwordHash = await hashPassword("new-pw", cheap);
    expect(await t.verifier.verifyBasic("ana", "ana-pw")).toBeUndefined();
    expect((await t.verifier.verifyBasic("ana", "new-pw"))?.username).toBe("ana");
  });

  it("holds at most maxEntries verifications", async () => {
    const t = await setup({ maxEntries: 2 });
    for (const name of ["ana", "ben", "cy"]) await t.verifier.verifyBasic(name, `${name}-pw`);
    expect(t.verifier.cacheSize).toBe(2);
    await t.verifier.verifyBasic("cy", "cy-pw"); // newest kept
    expect(t.calls()).toBe(3);
    await t.verifier.verifyBasic("ana", "ana-pw"); // oldest evicted
    expect(t.calls()).toBe(4);
  });

  it("shares one scrypt between concurrent identical requests", async () => {
    const t = await setup();
    const results = await Promise.all(Array.from({ length: 8 }, () => t.verifier.verifyBasic("ben", "ben-pw")));
    expect(results.every((u) => u?.username === "ben")).toBe(true);
    expect(t.calls()).toBe(1);
  });

  it("rejects an unknown user without a hash, after waiting as long as a real check took", async () => {
    const waits: number[] = [];
    const t = await setup({ sleep: async (ms) => waits.push(ms) });
    const started = performance.now();
    await t.verifier.verifyBasic("ana", "wrong");
    const checked = performance.now() - started;
    expect(await t.verifier.verifyBasic("ghost", "ana-pw")).toBeUndefined();
    expect(t.calls()).toBe(1);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(checked);
  });

  it("runs a bounded number of checks at once, queues a bounded number, and refuses the rest", async () => {
    const release: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const t = await setup({
      slots: 2,
      queueLimit: 2,
      verifyPassword: async (pw, stored) => {
        if (pw === "ben-pw") return verifyPassword(pw, stored);
        peak = Math.max(peak, ++running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return false;
      },
    });
    expect((await t.verifier.verifyBasic("ben", "ben-pw"))?.username).toBe("ben");
    // Distinct wrong passwords, so no two share a check.
    const admitted = Array.from({ length: 4 }, (_, i) => t.verifier.verifyBasic("ana", `guess-${i}`));
    await expect(t.verifier.verifyBasic("ana", "guess-4")).rejects.toBeInstanceOf(VerifierBusy);
    // A recent success is still answered, from the cache, while the queue is full.
    expect((await t.verifier.verifyBasic("ben", "ben-pw"))?.username).toBe("ben");
    const settled = Promise.all(admitted);
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await settled).toEqual([undefined, undefined, undefined, undefined]);
    expect(peak).toBe(2);
    expect(t.calls()).toBe(5);
  });

  it("asks admit before any hash, and not when the cache answers", async () => {
    const t = await setup();
    let asked = 0;
    const admit = async () => {
      asked++;
    };
    await t.verifier.verifyBasic("ana", "ana-pw", admit);
    await t.verifier.verifyBasic("ana", "ana-pw", admit);
    expect(asked).toBe(1);
    const refuse = async () => {
      throw new Error("throttled");
    };
    await expect(t.verifier.verifyBasic("ben", "ben-pw", refuse)).rejects.toThrow("throttled");
    await expect(t.verifier.verifyBasic("ghost", "x", refuse)).rejects.toThrow("throttled");
    expect(t.calls()).toBe(1);
  });
});

describe("CredentialVerifier.verifyBearer", () => {
  it("finds the user by the key's hash", async () => {
    const t = await setup();
    expect((await t.verifier.verifyBearer("evo_good"))?.username).toBe("ana");
    expect(await t.verifier.verifyBearer("evo_bad")).toBeUndefined();
    expect(await t.verifier.verifyBearer("")).toBeUndefined();
  });
});
