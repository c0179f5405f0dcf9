/**
 * Position bookkeeping for one SQL source. libpg-query reports UTF-8 byte offsets, editors and
 * users think in 1-based lines and columns of characters; this converts between them.
 */
export interface Position {
  line: number;
  column: number;
}

export class SourceText {
  readonly text: string;
  private starts: number[] | undefined;
  /** char index of each UTF-8 byte offset; null once the text is known to be pure ASCII */
  private byteToChar: Uint32Array | null | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** Offsets where lines start, built on first use: most statements never need a position twice. */
  private get lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      let at = this.text.indexOf('\n');
      while (at !== -1) {
        starts.push(at + 1);
        at = this.text.indexOf('\n', at + 1);
      }
      this.starts = starts;
    }
    return this.starts;
  }

  charIndex(byteOffset: number): number {
    if (this.byteToChar === undefined) {
      // eslint-disable-next-line no-control-regex
      this.byteToChar = /[^\x00-\x7f]/.test(this.text) ? buildByteToChar(this.text) : null;
    }
    if (this.byteToChar === null) return byteOffset;
    const clamped = Math.max(0, Math.min(byteOffset, this.byteToChar.length - 1));
    return this.byteToChar[clamped] ?? this.text.length;
  }

  position(charIndex: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= charIndex) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: charIndex - (this.lineStarts[lo] ?? 0) + 1 };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, '');
  }
}

function buildByteToChar(text: string): Uint32Array {
  const bytes = Buffer.byteLength(text, 'utf8');
  const map = new Uint32Array(bytes + 1);
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) map[byte + k] = i;
    byte += width;
    if (code >= 0x10000) i++; // surrogate pair: one code point, two UTF-16 units
  }
  map[bytes] = text.length;
  return map;
}

/** Index of the first character at or after `from` that is not whitespace or part of a comment. */
export function skipTrivia(text: string, from: number, to = text.length): number {
  let i = from;
  while (i < to) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? to : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < to && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else break;
  }
  return Math.min(i, to);
}
