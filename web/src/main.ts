// The customers page: one view state, one request per change. A newer request aborts the
// one in flight, so a slow answer to an old filter never paints over a newer one.
import type { ApiResult, ErrorResponse, ListCustomersResponse } from "../../client/index.js";
import { Catalog } from "./catalog.js";
import { downloadCsv } from "./csv.js";
import { byId } from "./dom.js";
import { clearError, showError, showUnreachable } from "./errors.js";
import { setupFilters } from "./filters.js";
import { setupPaging } from "./paging.js";
import { initialState, pageQuery, toggleSort, type ViewState } from "./query.js";
import { openSession, setupSignIn, type Credentials, type Session } from "./session.js";
import { setupTable } from "./table.js";

let state: ViewState = initialState();
let session: Session | undefined;
let inFlight: AbortController | undefined;

const catalog = new Catalog();
const status = byId<HTMLElement>("status");
const results = byId<HTMLElement>("results");
const controls = byId<HTMLElement>("controls");
const csvButton = byId<HTMLButtonElement>("download-csv");
byId("api-target").textContent = __API_TARGET__;

const showSignedIn = setupSignIn(signIn, signOut);
const filters = setupFilters(catalog, (change) => update({ ...change, page: 0 }));
const paging = setupPaging((change) => update(change));
const table = setupTable({
  onSort: (field) => update({ ...toggleSort(state, field), page: 0 }),
  onFilter: (change) => update({ ...change, page: 0 }),
});

function update(change: Partial<ViewState>): void {
  state = { ...state, ...change };
  filters.set(state);
  void load();
}

function signIn(credentials: Credentials): void {
  session = openSession(credentials);
  catalog.clear();
  state = initialState();
  filters.set(state);
  void load();
}

function signOut(): void {
  inFlight?.abort();
  session = undefined;
  catalog.clear();
  state = initialState();
  filters.set(state);
  clearError();
  showSignedIn(undefined);
  controls.hidden = true;
  results.hidden = true;
}

async function load(): Promise<void> {
  if (!session) return;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  status.textContent = "Loading…";
  results.setAttribute("aria-busy", "true");
  let outcome: ApiResult<ListCustomersResponse, ErrorResponse> | undefined;
  let failure: unknown;
  try {
    outcome = await session.api.listCustomers(pageQuery(state), { signal: controller.signal });
  } catch (thrown) {
    failure = thrown;
  }
  if (controller.signal.aborted) return;
  inFlight = undefined;
  results.removeAttribute("aria-busy");
  status.textContent = "";
  const page: ListCustomersResponse | undefined = outcome?.data;
  if (outcome === undefined) {
    showUnreachable(String(failure));
  } else if (outcome.data === undefined) {
    showError(outcome.response.status, outcome.error);
  } else {
    clearError();
    catalog.learn(outcome.data.items);
    filters.refresh();
    table.render(outcome.data.items, state);
  }
  // Only a 401 means the credentials are wrong; any other answer means they were accepted.
  const signedIn = outcome !== undefined && outcome.response.status !== 401;
  showSignedIn(signedIn ? session.who : undefined);
  controls.hidden = !signedIn;
  results.hidden = page === undefined;
  paging.render(state, page);
}

csvButton.addEventListener("click", async () => {
  if (!session) return;
  csvButton.disabled = true;
  try {
    const outcome = await downloadCsv(session.api, state);
    if (outcome.ok) status.textContent = `Downloaded ${outcome.filename}`;
    else showError(outcome.status, outcome.error);
  } finally {
    csvButton.disabled = false;
  }
});
