/** Log lines and error messages must not echo a password embedded in a URL. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
