import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, jsonSyntaxProblem, lineAndColumn } from '../../infra/config/json-syntax.js';

const TEXT = '{\n  "databases": [\n    { "id": "orders", }\n  ]\n}\n';
/** Where the `}` after the trailing comma is: line 3, column 23. */
const OFFSET = TEXT.indexOf('}');

describe('JSON syntax errors', () => {
  it('names the line and column of a Node 20 message with a position', () => {
    // GIVEN Node 20's message: a byte offset only
    const message = `Expected double-quoted property name in JSON at position ${OFFSET}`;

    // WHEN it is described
    const problem = jsonSyntaxProblem(message, TEXT);

    // THEN the offset becomes a line and a column
    expect(problem).toBe('3:23: is not valid JSON: Expected double-quoted property name');
  });

  it('names the line and column of a Node 22 message with a position, line and column', () => {
    // GIVEN Node 22's message: the offset, then its own line and column
    const message = `Expected double-quoted property name in JSON at position ${OFFSET} (line 3 column 23)`;

    // WHEN it is described
    const problem = jsonSyntaxProblem(message, TEXT);

    // THEN the message is the same as on Node 20
    expect(problem).toBe('3:23: is not valid JSON: Expected double-quoted property name');
  });

  it('finds the line and column of a message without a position and drops the quoted text', () => {
    // GIVEN a trailing comma in a list, which Node reports with an excerpt instead of a position
    const text = '{\n  "schemas": ["HR",]\n}';
    const message = `Unexpected token ']', "{\n  "schemas": ["HR",]\n}" is not valid JSON`;

    // WHEN it is described
    const problem = jsonSyntaxProblem(message, text);

    // THEN the scanned offset gives the line and column
    expect(problem).toBe("2:20: is not valid JSON: Unexpected token ']'");
  });

  it('names the end of the file for a file that ends too early', () => {
    // GIVEN a file cut off after its second line
    const text = '{\n  "databases": [';

    // WHEN Node's message is described
    const problem = jsonSyntaxProblem('Unexpected end of JSON input', text);

    // THEN it points after the last character
    expect(problem).toBe('2:17: is not valid JSON: Unexpected end of JSON input');
  });

  it.each([
    ['{ "databases": [ }', 17],
    ['{"a":1,}', 7],
    ['{"a" 1}', 5],
    ['[1, tru]', 4],
    ['{"a":"x\ty"}', 7],
    ['{"a":"\\q"}', 7],
    ['{"a":1} x', 8],
    ['', 0],
  ])('finds where %j stops being JSON', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it.each(['{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"],"b":{}}', ' [] ', '"text"'])(
    'finds no error in the valid JSON %j',
    (text) => {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(jsonErrorOffset(text)).toBeUndefined();
    },
  );

  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
