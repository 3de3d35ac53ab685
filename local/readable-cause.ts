/**
 * The sentence in an error cause. Lambda causes are JSON (`{"errorType","errorMessage","trace"}`);
 * Fail states' causes are text and come back unchanged.
 */
export function readableCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: already text.
  }
  return cause;
}
