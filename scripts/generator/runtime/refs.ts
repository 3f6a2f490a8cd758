// Local `$ref`s of a bundled document (only `#/...` ones remain after bundling): the one
// resolver the generator and the router share.

/** The keys a local `#/...` ref walks (JSON pointer, URI-decoded, with ~0/~1 escapes undone). */
export function refPath(ref: string): string[] {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs can be resolved in a bundled document: ${ref}`);
  return ref
    .slice(2)
    .split("/")
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Follows local `#/...` refs until a non-ref object. */
export function resolve<T extends { $ref?: string }>(doc: object, node: T): T {
  let current: unknown = node;
  const seen = new Set<string>();
  while (current && typeof current === "object" && typeof (current as { $ref?: unknown }).$ref === "string") {
    const ref = (current as { $ref: string }).$ref;
    if (seen.has(ref)) throw new Error(`Circular $ref: ${ref}`);
    seen.add(ref);
    current = refPath(ref).reduce<unknown>((target, key) => (target as Record<string, unknown> | undefined)?.[key], doc);
    if (current === undefined) throw new Error(`Unresolvable $ref: ${ref}`);
  }
  return current as T;
}
