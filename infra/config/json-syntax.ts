/**
 * Where a configuration file stops being JSON, as a line and column. `JSON.parse` gives a byte
 * offset in some messages (`… in JSON at position 17`, Node 22 adds `(line 2 column 5)`) and none
 * in others (`Unexpected token ']', "[1,]" is not valid JSON`), so the offset is found by scanning
 * the text when the message has none.
 */

/** A 1-based line and column (columns count UTF-16 code units, as editors do for JSON). */
export interface TextLocation {
  readonly line: number;
  readonly column: number;
}

/** The message of a `JSON.parse` error turned into `<line>:<column>: <what is wrong>`. */
export function jsonSyntaxProblem(message: string, text: string): string {
  const offset = /\bat position (\d+)/.exec(message)?.[1];
  const location = lineAndColumn(text, offset !== undefined ? Number(offset) : jsonErrorOffset(text));
  const what = message
    .replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, '')
    .replace(/, ".*" is not valid JSON$/s, '');
  const where = location ? `${location.line}:${location.column}: ` : ' ';
  return `${where}is not valid JSON: ${what}`;
}

/** The line and column of `offset` in `text`, or undefined without an offset. */
export function lineAndColumn(text: string, offset: number | undefined): TextLocation | undefined {
  if (offset === undefined) return undefined;
  const before = text.slice(0, Math.min(offset, text.length));
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: before.length - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The offset of the first character at which `text` stops being JSON (RFC 8259), its length when
 * it ends too early, or undefined when it is valid.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let at = 0;
  const stop = Symbol('stop');
  const fail = (): never => {
    throw stop;
  };
  const skipWhitespace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const take = (char: string) => {
    if (text[at] !== char) fail();
    at++;
  };
  const string = () => {
    take('"');
    for (;;) {
      const char = text[at];
      if (char === undefined || char < ' ') fail();
      at++;
      if (char === '"') return;
      if (char !== '\\') continue;
      const escaped = text[at];
      if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) at++;
      else if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) at += 5;
      else fail();
    }
  };
  const list = (close: string, item: () => void) => {
    at++;
    skipWhitespace();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      item();
      skipWhitespace();
      if (text[at] !== ',') break;
      at++;
    }
    take(close);
  };
  const value = (): void => {
    skipWhitespace();
    const char = text[at];
    if (char === '{') {
      list('}', () => {
        skipWhitespace();
        string();
        skipWhitespace();
        take(':');
        value();
      });
      return;
    }
    if (char === '[') {
      list(']', value);
      return;
    }
    if (char === '"') {
      string();
      return;
    }
    const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, at));
    if (literal) {
      at += literal.length;
      return;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (!number) fail();
    at = NUMBER.lastIndex;
  };
  try {
    value();
    skipWhitespace();
    if (at < text.length) fail();
    return undefined;
  } catch (error) {
    if (error === stop) return at;
    throw error;
  }
}
