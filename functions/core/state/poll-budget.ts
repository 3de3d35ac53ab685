/**
 * Most status reads one execution can make. A Standard execution keeps at most 25,000 history
 * events (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html) and one poll
 * (Wait, Task, Choice) writes 9; the rest is left for starting, copying and retries.
 */
export const MAX_POLLS_PER_EXECUTION = 2_500;

/** Shortest and longest time between two status reads of a running export, in whole seconds. */
export const POLL_INTERVAL_SECONDS = { min: 10, max: 3600 } as const;

/**
 * The shortest poll interval that keeps the status reads of one execution within
 * {@link MAX_POLLS_PER_EXECUTION}: an export that may run `timeoutSeconds`, polled once more for
 * its restore drill when `drills` (the drill gets the timeout again). Never below the deploy-time
 * minimum of {@link POLL_INTERVAL_SECONDS}.
 */
export function minimumPollSeconds(timeoutSeconds: number, drills: boolean): number {
  const budget = Math.ceil((timeoutSeconds * (drills ? 2 : 1)) / MAX_POLLS_PER_EXECUTION);
  return Math.max(POLL_INTERVAL_SECONDS.min, budget);
}

/** Fewest tries for an ORDS slot a run gets, whatever its polls leave (220 events of the rest). */
export const MIN_SLOT_WAITS = 20;

/**
 * Most tries for an ORDS slot before a run starts its export: what its status reads leave of
 * {@link MAX_POLLS_PER_EXECUTION}, each try (Wait, Task, two Choices: 11 events) counted as 11/9 of
 * a poll, and at least {@link MIN_SLOT_WAITS}. Waiting counts against the history budget as polling does.
 */
export function maxSlotWaits(timeoutSeconds: number, pollSeconds: number, drills: boolean): number {
  const polls = Math.ceil((timeoutSeconds * (drills ? 2 : 1)) / pollSeconds);
  return Math.max(MIN_SLOT_WAITS, Math.floor(((MAX_POLLS_PER_EXECUTION - polls) * 9) / 11));
}
