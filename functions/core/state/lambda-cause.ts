/**
 * Reading the cause of a failed step as a sentence. A Lambda error reaches Step Functions as the
 * JSON `{"errorType":"…","errorMessage":"…","trace":[…]}`; every other cause (a Fail state's, a
 * States.Timeout, Lambda.Unknown) is already text. The state machine ("Error from a function?")
 * and the commands apply the same rule, so the console and the CLI show the same sentence.
 */

/**
 * The Step Functions `StringMatches` pattern of a Lambda error's cause: it starts with `errorType`
 * and `errorMessage`, both strings, and ends as a whole JSON object does (a cause cut short at
 * Step Functions' 32 KiB limit does not match, so it is never parsed).
 */
export const LAMBDA_CAUSE_PATTERN = '{"errorType":"*","errorMessage":"*}';

/**
 * Whether `cause` matches `LAMBDA_CAUSE_PATTERN` as Step Functions' `StringMatches` reads it: `*`
 * stands for any characters, `\*` and `\\` for themselves.
 */
export function isLambdaCause(cause: string): boolean {
  return matches(LAMBDA_CAUSE_PATTERN, cause);
}

/** The `errorMessage` of a Lambda error's cause; any other cause unchanged. */
export function readableCause(cause: string): string {
  if (!isLambdaCause(cause)) return cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Looks like a Lambda error but is not JSON: shown as it is.
  }
  return cause;
}

function matches(pattern: string, text: string): boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? '';
    if (char === '\\' && index + 1 < pattern.length) {
      source += escapeRegExp(pattern[++index] ?? '');
    } else {
      source += char === '*' ? '.*' : escapeRegExp(char);
    }
  }
  // No dotall flag: a cause with a raw line break is not a serialized Lambda error.
  return new RegExp(`^${source}$`).test(text);
}

function escapeRegExp(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
