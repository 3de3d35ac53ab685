import type { StateMachine } from 'aws-local-stepfunctions';
import type {
  BackupSummary,
  CopyProgress,
  FileToCopy,
  JobStatus,
  StartedRun,
  SupersededCleanup,
  VerdictResult,
} from '../functions/core/state/index.js';
import { readableCause } from '../functions/core/state/index.js';
import { describeCleanup } from './describe-cleanup.js';
import { formatBytes } from './format.js';

/** The progress lines of `npm start`: one per step of a local execution, from its state events. */

/** One event of a local execution (the library does not export the type). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** The line an event shows, if any. */
export function describeEvent(event: EventLog): string | undefined {
  switch (event.type) {
    case 'StateEntered':
      return event.state.type === 'Task' || event.state.type === 'Map' || event.state.type === 'Fail'
        ? `→ ${event.state.name}`
        : undefined;
    case 'StateExited':
      return describeOutput(event.state.name, event.state.output);
    case 'StateRetried':
      return `  ↻ ${event.state.name}: retry ${event.retry.attempt}`;
    case 'StateFailed':
      return `  ✗ ${event.state.name}: ${event.Error}: ${readableCause(String(event.Cause ?? ''))}`;
    default:
      return undefined;
  }
}

/** The parts of the state a step adds (see functions/core/state/payloads.ts). */
interface StateSnapshot {
  readonly run?: StartedRun;
  readonly status?: JobStatus;
  readonly verdict?: VerdictResult;
  readonly file?: FileToCopy;
  readonly progress?: CopyProgress;
  readonly result?: BackupSummary;
  readonly slots?: { readonly taken?: boolean; readonly open?: boolean; readonly cause?: string };
}

/** One earlier run's leftovers, as "Start export" removed them (or why not). */
function describeSuperseded(report: SupersededCleanup): string {
  const what = `earlier run ${report.execution} (job ${report.job})`;
  if (report.serverCleanup === 'failed') return `  ${what}: left on the server: ${report.reason}`;
  if (report.serverCleanup === 'off') return `  ${what}: left on the server (serverCleanup off)`;
  const table = report.droppedControlTable ? `, dropped ${report.droppedControlTable}` : '';
  return `  ${what}: removed ${report.removedFiles.join(', ') || 'no file'}${table}`;
}

function describeOutput(stateName: string, output: unknown): string | undefined {
  const state = output as StateSnapshot | undefined;
  switch (stateName) {
    case 'Take an ORDS slot':
      // Only a run that waits (or missed its window) says so: the cause names the origin and caps.
      return state?.slots?.taken === false ? `  ${state.slots.cause}` : undefined;
    case 'Start export':
      return [
        ...(state?.run?.superseded ?? []).map(describeSuperseded),
        `  job ${state?.run?.job.owner}.${state?.run?.job.jobName}${state?.run?.job.adopted ? ' (adopted)' : ''}`,
      ].join('\n');
    case 'Read job':
      return `  state ${state?.status?.state}`;
    case 'Read log':
      return `  verdict ${state?.verdict?.verdict}: ${state?.verdict?.summary} · ${state?.verdict?.files?.length} file(s) to store`;
    case 'Copy file': {
      const progress = state?.progress;
      if (!progress) return undefined;
      if (progress.done) {
        const { name, bytes, invocations } = progress.file;
        return `  ${name}: stored ${formatBytes(bytes)} in ${invocations} invocation(s)`;
      }
      const total = progress.totalBytes === null ? '' : ` of ${formatBytes(progress.totalBytes)}`;
      return `  ${state?.file?.name}: ${formatBytes(progress.offset)}${total} stored after invocation ${progress.invocations}`;
    }
    case 'Write manifest':
      return `  manifest ${state?.result?.manifest}`;
    case 'Remove dump files':
      return describeCleanup(state).join('\n') || undefined;
    default:
      return undefined;
  }
}
