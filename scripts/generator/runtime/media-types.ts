// Media-type facts shared by the generator, the server runtime and the client runtime, so
// that all three agree on what counts as JSON and which content types a success offers.

/** `application/json` and any `+json` suffix, parameters and case ignored. */
export function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || type.endsWith("+json");
}

/** The type and subtype alone: `text/csv; charset=utf-8` -> `text/csv`. */
export function essence(contentType: string): string {
  return contentType.split(";")[0]?.trim().toLowerCase() ?? "";
}

/** The content types the 2xx responses offer, each once, in the order given: the first is the default. */
export function successContentTypes(responses: Iterable<readonly [status: string, contentTypes: readonly string[]]>): string[] {
  const types: string[] = [];
  for (const [status, contentTypes] of responses) if (status.startsWith("2")) types.push(...contentTypes);
  return [...new Set(types)];
}
