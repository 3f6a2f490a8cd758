// Security: the router parses credentials for the schemes the operation allows, the app
// verifies them, and the router enforces the role names listed in the requirement.
import type { Request } from "express";
import { RouterError } from "./errors.js";
import type { Caller, Credentials, RouterOptions } from "./handler.js";
import { parseCookies } from "./request-binding.js";
import { stateOf } from "./request-state.js";
import type { ApiSpec, OperationSpec, SecuritySchemeSpec } from "./spec.js";
import type { Step } from "./step-chain.js";

function parseCredentials(req: Request, name: string, scheme: SecuritySchemeSpec): Credentials | undefined | "malformed" {
  if (scheme.type === "apiKey") {
    const raw =
      scheme.in === "header"
        ? req.get(scheme.name)
        : scheme.in === "query"
          ? (new URLSearchParams(req.url.split("?")[1] ?? "").get(scheme.name) ?? undefined)
          : parseCookies(req.get("cookie"))[scheme.name];
    return raw ? { scheme: name, type: "apiKey", key: raw } : undefined;
  }
  const header = req.get("authorization");
  if (!header) return undefined;
  const space = header.indexOf(" ");
  const authScheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (authScheme !== scheme.scheme) return undefined;
  const value = space === -1 ? "" : header.slice(space + 1).trim();
  if (!value) return "malformed";
  if (scheme.scheme === "bearer") return { scheme: name, type: "bearer", token: value };
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return "malformed";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return "malformed";
  return { scheme: name, type: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function challenges(operation: OperationSpec, schemes: ApiSpec["securitySchemes"], realm: string): string[] {
  const names = new Set(operation.security.flatMap((requirement) => Object.keys(requirement)));
  const result: string[] = [];
  for (const name of names) {
    const scheme = schemes[name];
    if (scheme?.type !== "http") continue;
    const label = scheme.scheme === "basic" ? "Basic" : "Bearer";
    result.push(`${label} realm="${realm.replace(/["\\]/g, "")}"`);
  }
  return result.length > 0 ? [...new Set(result)] : [`Bearer realm="${realm}"`];
}

function unauthorized(message: string, challenge: string[]): RouterError {
  return new RouterError({ status: 401, code: "Unauthorized", message, errors: [] }, { "WWW-Authenticate": challenge.join(", ") });
}

/** One security requirement: every scheme it names must pass, then any one of its roles admits. */
interface Requirement {
  readonly schemes: readonly (readonly [name: string, scheme: SecuritySchemeSpec | undefined])[];
  readonly roles: readonly string[];
}

function requirementsOf(operation: OperationSpec, spec: ApiSpec): Requirement[] {
  return operation.security.flatMap((requirement) => {
    const names = Object.keys(requirement);
    if (names.length === 0) return [];
    const schemes = names.map((name) => [name, spec.securitySchemes[name]] as const);
    return [{ schemes, roles: names.flatMap((name) => requirement[name] ?? []) }];
  });
}

async function authorize<TCaller extends Caller>(
  req: Request,
  requirements: readonly Requirement[],
  optional: boolean,
  options: RouterOptions<TCaller, unknown>,
  challenge: string[],
): Promise<TCaller | undefined> {
  let sawCredentials = false;
  let forbidden = false;
  for (const requirement of requirements) {
    let caller: TCaller | undefined;
    let satisfied = true;
    for (const [name, scheme] of requirement.schemes) {
      const credentials = scheme && parseCredentials(req, name, scheme);
      if (credentials === "malformed") throw unauthorized("Malformed Authorization header", challenge);
      if (!credentials) {
        satisfied = false;
        break;
      }
      sawCredentials = true;
      const verified = options.authenticate ? await options.authenticate(credentials, req) : undefined;
      if (!verified) throw unauthorized("Invalid credentials", challenge);
      caller = verified;
    }
    if (!satisfied || !caller) continue;
    const { roles } = requirement;
    // Role lists follow ServiceStack's RequiresAnyRole: any one listed role admits the caller.
    if (roles.length === 0 || roles.some((role) => caller.roles.includes(role))) return caller;
    forbidden = true;
  }
  if (forbidden) {
    throw new RouterError({ status: 403, code: "Forbidden", message: "Invalid Role", errors: [] });
  }
  if (optional && !sawCredentials) return undefined;
  throw unauthorized("Not Authenticated", challenge);
}

/** The security step of an operation that declares security. */
export function authorizer(operation: OperationSpec, spec: ApiSpec, options: RouterOptions<Caller, unknown>): Step {
  // The same for every request of the operation: worked out once.
  const challenge = challenges(operation, spec.securitySchemes, options.realm ?? "api");
  const requirements = requirementsOf(operation, spec);
  const optional = operation.security.some((requirement) => Object.keys(requirement).length === 0);
  return async (req) => {
    stateOf(req).caller = await authorize(req, requirements, optional, options, challenge);
  };
}
