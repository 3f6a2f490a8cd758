// Errors as the spec shapes them (ServiceStack's responseStatus): the status, the message,
// and one line per invalid field naming it, with the control for that field marked.
import type { ErrorResponse } from "../../client/index.js";
import { byId, h } from "./dom.js";

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad request",
  401: "Not signed in",
  403: "Forbidden",
};

export function clearError(): void {
  const box = byId<HTMLElement>("error");
  box.hidden = true;
  box.replaceChildren();
  for (const marked of Array.from(document.querySelectorAll("[data-param].invalid"))) {
    marked.classList.remove("invalid");
    marked.querySelector("input")?.removeAttribute("aria-invalid");
  }
}

/** `error` is undefined when the body was not the spec's shape (a proxy's 502, say). */
export function showError(status: number, error: ErrorResponse | undefined): void {
  clearError();
  const box = byId<HTMLElement>("error");
  const rs = error?.responseStatus;
  const fieldErrors = rs?.errors ?? [];
  box.append(
    h("strong", {}, `${status} ${STATUS_TEXT[status] ?? "Error"}`),
    h("span", { class: "code" }, rs?.errorCode ?? ""),
    h("p", { class: "message" }, rs?.message ?? "The API answered without the expected error body."),
  );
  if (fieldErrors.length > 0) {
    box.append(
      h(
        "ul",
        { class: "field-errors" },
        fieldErrors.map((e) => h("li", { "data-error-field": e.fieldName }, h("code", {}, e.fieldName), `: ${e.message}`)),
      ),
    );
  }
  box.hidden = false;
  for (const e of fieldErrors) {
    const control = document.querySelector(`[data-param="${CSS.escape(e.fieldName)}"]`);
    if (!control) continue;
    control.classList.add("invalid");
    control.querySelector("input")?.setAttribute("aria-invalid", "true");
  }
}

/** No HTTP answer at all: the dev server's proxy or the network failed. */
export function showUnreachable(reason: string): void {
  clearError();
  const box = byId<HTMLElement>("error");
  box.append(h("strong", {}, "The API could not be reached"), h("p", { class: "message" }, reason));
  box.hidden = false;
}
