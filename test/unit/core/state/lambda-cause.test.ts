import { describe, expect, it } from 'vitest';
import { isLambdaCause, readableCause } from '../../../../functions/core/state/lambda-cause.js';

const lambda = (errorMessage: unknown) =>
  JSON.stringify({ errorType: 'OrdsAuthError', errorMessage, trace: ['OrdsAuthError: x'] });

describe('readableCause', () => {
  it("reads the errorMessage of a Lambda error's JSON cause", () => {
    expect(readableCause(lambda('ORDS answered 401 for user DBAPI_USER'))).toBe(
      'ORDS answered 401 for user DBAPI_USER',
    );
  });

  it('keeps a text cause, a JSON cause without errorType and a cut-off cause unchanged', () => {
    for (const cause of ['Task timed out', '{"errorMessage":"x"}', lambda('x').slice(0, 30), '']) {
      expect(readableCause(cause)).toBe(cause);
      expect(isLambdaCause(cause)).toBe(false);
    }
  });

  it('keeps a cause that looks like a Lambda error but is not JSON unchanged', () => {
    const cause = '{"errorType":"A","errorMessage":"b"} and more}';

    expect(isLambdaCause(cause)).toBe(true);
    expect(readableCause(cause)).toBe(cause);
  });

  it('does not treat regular expression characters in a cause as a pattern', () => {
    expect(isLambdaCause('{"errorType":"(.*)","errorMessage":"[a-z]+$"}')).toBe(true);
    expect(isLambdaCause('x{"errorType":"A","errorMessage":"b"}')).toBe(false);
  });
});
