import type { ServerCleanupResult } from '../functions/core/state/index.js';

/**
 * The summary lines about the database server: what the run removed, or why not. Reads the
 * execution output's `serverCleanup` (a cleanup result, or the error of a cleanup that could not
 * run at all).
 */
export function describeCleanup(output: unknown): string[] {
  const cleanup = (
    output as { serverCleanup?: Partial<ServerCleanupResult> & { Error?: string; Cause?: string } }
  )?.serverCleanup;
  if (!cleanup) return [];
  if (cleanup.Error) return [`  server   cleanup FAILED: ${cleanup.Error}: ${cleanup.Cause ?? ''}`];
  if (cleanup.serverCleanup === 'off')
    return ['  server   cleanup off: the files and the control table stay on the server'];
  const removed = cleanup.removedFiles ?? [];
  const lines = [
    removed.length > 0
      ? `  server   removed ${removed.length} file(s): ${removed.join(', ')}`
      : `  server   removed no file${cleanup.serverCleanup === 'done' ? ': nothing of this run was left' : ''}`,
    ...(cleanup.droppedControlTable
      ? [`           dropped control table ${cleanup.droppedControlTable}`]
      : []),
  ];
  if (cleanup.serverCleanup === 'failed') lines.push(`  server   cleanup FAILED: ${cleanup.reason ?? ''}`);
  if (cleanup.report) lines.push(`           recorded in ${cleanup.report}`);
  return lines;
}
