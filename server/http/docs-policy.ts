// The Content-Security-Policy of the API docs page, in one place: `npm run docs` writes it
// into the page as a <meta> tag (so it holds when the file is opened offline) and /docs
// sends it as a header, adding what only a header can carry (frame-ancestors).
//
// 'unsafe-inline': Redoc's script, its styles and the spec are all inline in the page.
// blob: is for the workers Redoc builds from inline code (search) and for the spec its
// download button hands over. Everything else may come only from the page's own origin.
export const docsPolicy: Readonly<Record<string, readonly string[]>> = {
  "default-src": ["'self'"],
  "script-src": ["'self'", "'unsafe-inline'", "blob:"],
  "worker-src": ["'self'", "blob:"],
  "style-src": ["'self'", "'unsafe-inline'"],
  "img-src": ["'self'", "data:", "blob:"],
  "font-src": ["'self'", "data:"],
  "connect-src": ["'self'"],
};

/** The policy as header or meta text: `name value value; name value`. */
export function policyText(policy: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(policy)
    .map(([name, values]) => [name, ...values].join(" "))
    .join("; ");
}
