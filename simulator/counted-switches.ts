import type { SimulatorOptions } from './simulator-options.js';
import type { JobOutcome, RouteKind } from './switch-types.js';

/**
 * The run-time state of the switches that count: how many transient failures, download resets,
 * truncations and hanging POSTs are left, and the queue of export outcomes. `configure` restarts a
 * count (or refills the queue) whenever it sets that switch again.
 */

/** A download fault: after `bytes` body bytes, destroy the socket (`reset`) or end the body (`truncate`). */
export interface Cut {
  readonly bytes: number;
  readonly mode: 'reset' | 'truncate';
}

/** The counts of one simulator. */
export class CountedSwitches {
  private transientRemaining = 0;
  private resetRemaining = 0;
  private truncateRemaining = 0;
  private hangRemaining = 0;
  private sqlAnswersLostRemaining = 0;
  private outcomeQueue: JobOutcome[] = [];
  private exportNumber = 0;

  constructor(private readonly options: () => SimulatorOptions) {
    this.restart(options());
  }

  /** Restarts the counts of the switches `changes` sets (the options already include them). */
  restart(changes: Partial<SimulatorOptions>): void {
    const options = this.options();
    if ('transientFailures' in changes) this.transientRemaining = options.transientFailures?.count ?? 0;
    if ('resetDownloadAfterBytes' in changes || 'resetCount' in changes)
      this.resetRemaining = options.resetCount;
    if ('truncateDownloadAfterBytes' in changes || 'truncateCount' in changes)
      this.truncateRemaining = options.truncateCount;
    if ('postHangAfterCreate' in changes) {
      const hang = options.postHangAfterCreate;
      this.hangRemaining =
        typeof hang === 'object' ? (hang.count ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    }
    if ('sqlAnswersLost' in changes) this.sqlAnswersLostRemaining = options.sqlAnswersLost;
    if ('outcome' in changes)
      this.outcomeQueue = typeof options.outcome === 'object' ? [...options.outcome] : [];
  }

  /** The status a request on a route of this kind fails with (`transientFailures`), or null. */
  takeTransient(kind: RouteKind | null): number | null {
    const failures = this.options().transientFailures;
    if (!failures || this.transientRemaining <= 0) return null;
    const target = failures.route ?? 'any';
    if (target !== 'any' && target !== kind) return null;
    this.transientRemaining -= 1;
    return failures.status ?? 503;
  }

  /** The reset or truncation a download of `length` bytes gets; a body too short to be cut does not use one up. */
  takeCut(length: number): Cut | undefined {
    const options = this.options();
    const resetAt = options.resetDownloadAfterBytes;
    if (resetAt !== undefined && this.resetRemaining > 0 && resetAt < length) {
      this.resetRemaining -= 1;
      return { bytes: resetAt, mode: 'reset' };
    }
    const truncateAt = options.truncateDownloadAfterBytes;
    if (truncateAt !== undefined && this.truncateRemaining > 0 && truncateAt < length) {
      this.truncateRemaining -= 1;
      return { bytes: truncateAt, mode: 'truncate' };
    }
    return undefined;
  }

  /**
   * Whether this POST of an `operation` job hangs (`postHangAfterCreate`, limited to its `operation`
   * when it names one), and after how long its socket is destroyed.
   */
  takeHang(operation: 'EXPORT' | 'IMPORT'): { readonly destroyAfterMs: number | undefined } | null {
    const hang = this.options().postHangAfterCreate;
    if (hang === false || this.hangRemaining <= 0) return null;
    if (typeof hang === 'object' && (hang.operation ?? operation) !== operation) return null;
    this.hangRemaining -= 1;
    return { destroyAfterMs: typeof hang === 'object' ? hang.destroyAfterMs : undefined };
  }

  /** Whether the answer of this REST-enabled SQL request, which ran, is lost (`sqlAnswersLost`). */
  takeSqlAnswerLost(): boolean {
    if (this.sqlAnswersLostRemaining <= 0) return false;
    this.sqlAnswersLostRemaining -= 1;
    return true;
  }

  /** The outcome of the next export (`outcome`: one value, a queue, or a function of the export's number). */
  nextOutcome(): JobOutcome {
    this.exportNumber += 1;
    const setting = this.options().outcome;
    if (typeof setting === 'string') return setting;
    if (typeof setting === 'function') return setting(this.exportNumber);
    return this.outcomeQueue.shift() ?? 'success';
  }
}
