/**
 * Text from input files (SQL, identifiers, file names) on its way to a terminal or a rendered comment: control
 * characters (C0 except tab and newline, DEL, C1) and the bidirectional overrides and isolates that reorder what
 * a reader sees ("Trojan Source") are written as visible escapes, `\x1b` or `\u202e`, never as the raw character.
 * A carriage return is kept only as part of a CRLF line end.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

export function visible(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, escapeChar);
}

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
