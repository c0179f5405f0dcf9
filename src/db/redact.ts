import { escapeRegExp } from '../regexp.js';
import type { ConnInfo } from './conninfo.js';
import { describeConnInfo, parseConnInfo } from './conninfo.js';

const MASK = '***';

/**
 * A connection string as dbtool prints it: parsed, then rendered with the password (and any setting that is
 * not known to be harmless) as ***. A string that does not parse is not shown at all.
 */
export function describeConnection(text: string): string {
  try {
    return describeConnInfo(parseConnInfo(text));
  } catch {
    return '<a connection string that could not be parsed>';
  }
}

/**
 * `text` (a driver's error message, say) with the connection string replaced by its safe description and every
 * spelling of its secrets removed. Long secrets go wherever they appear; secrets shorter than four characters
 * only where they stand apart from letters and digits, so a one-letter password does not eat every "a".
 */
export function scrubConnection(text: string, connection: string, info?: ConnInfo): string {
  let parsed = info;
  if (!parsed) {
    try {
      parsed = parseConnInfo(connection);
    } catch {
      parsed = undefined;
    }
  }
  let out = connection ? text.split(connection).join(parsed ? describeConnInfo(parsed) : '<connection string>') : text;
  if (connection.trim() && connection.trim() !== connection) out = out.split(connection.trim()).join(parsed ? describeConnInfo(parsed) : '<connection string>');
  for (const secret of parsed?.secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join(MASK);
    else out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(secret)}(?![\\p{L}\\p{N}])`, 'gu'), MASK);
  }
  return redactUrl(out);
}

/**
 * Best effort for text where dbtool does not know the connection string (a config file's load error): any
 * postgres:// URL loses everything between "user:" and the last "@" on its line, and any password=… its value.
 * Where the string is known, use describeConnection / scrubConnection, which work from the parsed settings.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/(\bpostgres(?:ql)?:\/\/[^:/?#@\s]*:)([^\n]*)@/gi, (_m, head: string, password: string) => (password ? `${head}${MASK}@` : `${head}@`))
    .replace(/(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]+)/gi, `$1${MASK}`);
}
