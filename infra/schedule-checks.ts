/**
 * The schedule checks the configuration uses. One implementation, in `functions/core/base/cron.ts`, which
 * the functions also use to decide whether a restore drill is due.
 */
export {
  CRON_FORMAT,
  cronProblem,
  longestScheduleGapHours,
  TIME_ZONE_FORMAT,
  timeZoneProblem,
} from '../functions/core/base/index.js';
