// Sign-in attempts, counted per username and per client address, so passwords cannot be
// guessed online at speed. Each attempt that needs a password check takes a point from
// both counters before the check runs (so a burst of parallel guesses is counted too);
// a success gives its points back, so only failures add up.
//
// The numbers:
// - 10 per username per 15 minutes: at most 40 guesses an hour at any one account, under
//   the 100 a hour OWASP ASVS (2.2.1) allows, while a person who mistypes has room.
//   An attacker can keep one username throttled, so a caller that recently signed in
//   (the verifier's cache of successes) and Bearer API keys are never throttled.
// - 100 per client address per 15 minutes: one address trying many usernames (password
//   spraying, which the per-username limit cannot see) gets 400 an hour instead of the
//   thousands it could send; the room above 10 is for many people behind one NAT.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

export interface Limit {
  attempts: number;
  seconds: number;
}

export interface LoginLimits {
  perUsername: Limit;
  perAddress: Limit;
}

export const LOGIN_LIMITS: LoginLimits = {
  perUsername: { attempts: 10, seconds: 15 * 60 },
  perAddress: { attempts: 100, seconds: 15 * 60 },
};

/** Refused before any password check; `retryAfter` in whole seconds, at least 1. */
export class TooManyAttempts extends Error {
  constructor(readonly retryAfter: number) {
    super(`Too many failed sign-ins; try again in ${retryAfter} seconds.`);
  }
}

const wholeSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function limiter(limit: Limit): RateLimiterMemory {
  return new RateLimiterMemory({ points: limit.attempts, duration: limit.seconds });
}

/** Usernames match case-insensitively, so `Ana` and `ana` share one counter. */
const usernameKey = (username: string) => username.normalize("NFC").toLowerCase();

export class LoginThrottle {
  private readonly byUsername: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;

  constructor(limits: LoginLimits = LOGIN_LIMITS) {
    this.byUsername = limiter(limits.perUsername);
    this.byAddress = limiter(limits.perAddress);
  }

  /**
   * Takes an attempt from both counters; throws TooManyAttempts when either is spent.
   * Returns the way to give it back (the password was right, or never checked because the
   * verifier was busy), good once: only an attempt that was taken can be given back, so
   * no caller can give a counter credit below zero and buy more guesses than the limit.
   */
  async admit(username: string, address: string): Promise<() => Promise<void>> {
    const key = usernameKey(username);
    const results = await Promise.allSettled([this.byUsername.consume(key), this.byAddress.consume(address)]);
    const waits: number[] = [];
    for (const result of results) {
      if (result.status === "fulfilled") continue;
      if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
      waits.push(result.reason.msBeforeNext);
    }
    if (waits.length > 0) throw new TooManyAttempts(wholeSeconds(Math.max(...waits)));
    let taken = true;
    return async () => {
      if (!taken) return;
      taken = false;
      await Promise.all([this.byUsername.reward(key), this.byAddress.reward(address)]);
    };
  }

  /**
   * A wrong API key, counted against the address only (a key names no user). Keys are
   * checked first, as a check is cheap: a right key is never throttled.
   */
  async failedKey(address: string): Promise<void> {
    try {
      await this.byAddress.consume(address);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw new TooManyAttempts(wholeSeconds(error.msBeforeNext));
      throw error;
    }
  }
}
