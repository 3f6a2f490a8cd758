// Who is calling and what they may see. The router parses credentials and enforces the
// spec's roles; this file verifies credentials and turns a caller into a Scope.
import type { Credentials } from "../../generated/server.js";
import type { CredentialVerifier } from "./credentials.js";
import type { Role } from "../../generated/server.js";
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

export function createAuthenticate(verifier: CredentialVerifier) {
  return async (credentials: Credentials): Promise<Caller | undefined> => {
    const user =
      credentials.type === "basic"
        ? await verifier.verifyBasic(credentials.username, credentials.password)
        : credentials.type === "bearer"
          ? await verifier.verifyBearer(credentials.token)
          : undefined;
    return user && toCaller(user);
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
