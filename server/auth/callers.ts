// Who is calling and what they may see. The router parses credentials and enforces the
// spec's roles; this file verifies credentials and turns a caller into a Scope.
import type { Request } from "express";
import type { Credentials } from "../../generated/server.js";
import type { Role } from "../../generated/server.js";
import { type CredentialVerifier, VerifierBusy } from "./credentials.js";
import { type LoginThrottle, TooManyAttempts } from "./throttle.js";
import type { Scope, StoredUser } from "../store/contract.js";

export interface Caller {
  username: string;
  roles: Role[];
  accountIds: string[];
  customerId?: string;
}

function toCaller(user: StoredUser): Caller {
  return {
    username: user.username,
    roles: user.roles,
    accountIds: user.accountIds,
    ...(user.customerId === undefined ? {} : { customerId: user.customerId }),
  };
}

/** The router sends an error's status, `type` (as the errorCode) and exposed message; the header is ours to set. */
function tooManyRequests(req: Request, seconds: number, message: string): Error {
  req.res?.setHeader("Retry-After", String(seconds));
  return Object.assign(new Error(message), { status: 429, expose: true, type: "TooManyRequests" });
}

/** `address`: the client's, worked out (trust proxy, X-Forwarded-For) only when an attempt is counted. */
async function verify(verifier: CredentialVerifier, throttle: LoginThrottle, credentials: Credentials, address: () => string) {
  if (credentials.type === "basic") {
    const { username, password } = credentials;
    // A sign-in the verifier's cache answers checks no password and takes no attempt, so
    // it has none to give back.
    let refund: (() => Promise<void>) | undefined;
    let user: StoredUser | undefined;
    try {
      user = await verifier.verifyBasic(username, password, async () => {
        refund = await throttle.admit(username, address());
      });
    } catch (error) {
      if (error instanceof VerifierBusy) await refund?.();
      throw error;
    }
    if (user) await refund?.();
    return user;
  }
  if (credentials.type !== "bearer") return undefined;
  const user = await verifier.verifyBearer(credentials.token);
  if (!user) await throttle.failedKey(address());
  return user;
}

export function createAuthenticate(verifier: CredentialVerifier, throttle: LoginThrottle) {
  return async (credentials: Credentials, req: Request): Promise<Caller | undefined> => {
    try {
      const user = await verify(verifier, throttle, credentials, () => req.ip ?? req.socket.remoteAddress ?? "");
      return user && toCaller(user);
    } catch (error) {
      if (error instanceof TooManyAttempts) throw tooManyRequests(req, error.retryAfter, error.message);
      if (error instanceof VerifierBusy) throw tooManyRequests(req, 1, error.message);
      throw error;
    }
  };
}

/**
 * The broadest role wins: SystemAdministrator sees everything, a Manager its accounts, a
 * Customer its own customer and that customer's descendants. Missing bindings fail
 * closed: a Manager without accounts or a Customer without a customer sees nothing.
 */
export function scopeOf(caller: Caller): Scope {
  if (caller.roles.includes("SystemAdministrator")) return { kind: "all" };
  if (caller.roles.includes("Manager")) return { kind: "accounts", accountIds: caller.accountIds };
  if (caller.roles.includes("Customer") && caller.customerId) return { kind: "subtree", customerId: caller.customerId };
  return { kind: "accounts", accountIds: [] };
}
