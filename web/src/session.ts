// Signing in: HTTP Basic with a username and password, or a Bearer API key. Credentials
// live in memory only; a reload signs out rather than leaving a password in storage.
import { createApiClient, type ApiClient, type ClientAuth } from "../../client/index.js";
import { API_PREFIX } from "./api-prefix.js";
import { byId } from "./dom.js";

export type Credentials =
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  | { readonly kind: "apiKey"; readonly key: string };

export interface Session {
  readonly api: ApiClient;
  readonly who: string;
}

function authOf(credentials: Credentials): ClientAuth {
  return credentials.kind === "password" ? { username: credentials.username, password: credentials.password } : { bearer: credentials.key };
}

export function openSession(credentials: Credentials): Session {
  const api = createApiClient({ baseUrl: `${location.origin}${API_PREFIX}`, auth: authOf(credentials) });
  const who = credentials.kind === "password" ? credentials.username : `API key ${credentials.key.slice(0, 12)}…`;
  return { api, who };
}

/** Wires the sign-in form; `onSignIn` gets credentials, `onSignOut` is called by the sign-out button. */
export function setupSignIn(onSignIn: (credentials: Credentials) => void, onSignOut: () => void): (who: string | undefined) => void {
  const form = byId<HTMLFormElement>("sign-in");
  const signedIn = byId<HTMLElement>("signed-in");
  const whoLabel = byId<HTMLElement>("who");
  const username = byId<HTMLInputElement>("username");
  const password = byId<HTMLInputElement>("password");
  const apiKey = byId<HTMLInputElement>("api-key");
  const modes = form.querySelectorAll<HTMLInputElement>('input[name="auth-mode"]');

  const mode = () => (Array.from(modes).find((m) => m.checked)?.value === "apiKey" ? "apiKey" : "password");
  const showMode = () => {
    const keyMode = mode() === "apiKey";
    byId("password-fields").hidden = keyMode;
    byId("api-key-fields").hidden = !keyMode;
    username.required = password.required = !keyMode;
    apiKey.required = keyMode;
  };
  for (const mode of modes) mode.addEventListener("change", showMode);
  showMode();

  // The README's demo user, so `npm run mock & npm run web` is one click from data; never in a build.
  if (import.meta.env.DEV) {
    username.value = "manager";
    password.value = "demo";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onSignIn(
      mode() === "apiKey"
        ? { kind: "apiKey", key: apiKey.value.trim() }
        : { kind: "password", username: username.value, password: password.value },
    );
  });
  byId<HTMLButtonElement>("sign-out").addEventListener("click", () => {
    password.value = "";
    apiKey.value = "";
    onSignOut();
  });

  return (who) => {
    form.hidden = who !== undefined;
    signedIn.hidden = who === undefined;
    whoLabel.textContent = who ?? "";
  };
}
