/** Replaces the password of a postgres URL (and `password=` in key/value connection strings) with ***. */
export function redactUrl(text: string): string {
  return text
    .replace(/(\bpostgres(?:ql)?:\/\/[^:/?#@\s]*:)([^@\s]*)(@)/gi, (_m, head: string, password: string, at: string) => (password ? `${head}***${at}` : `${head}${at}`))
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)/gi, '$1***');
}
