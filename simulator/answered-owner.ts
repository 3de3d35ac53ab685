import type { SimulatedJob } from './simulated-job.js';
import type { SimulatorOptions } from './simulator-options.js';

/**
 * The `importOwnerAnswered` switch: ORDS answers an import job's `owner_name` (the POST's 201 body,
 * the job GET and the job list) with another database user than the one whose session runs
 * REST-enabled SQL and owns the job's control table. It plays an ORDS whose Data Pump routes run
 * (or report) imports as another user than `_/sql` does: a pool mapped to another schema, a proxy
 * user, a gateway in between. The job keeps its URL (`jobs/<real owner>,<job>/`) and its control
 * table in the real owner's `USER_OBJECTS`, so a drill meets the other owner on every path: the POST
 * answer, the adoption after a lost answer, and a retry of a recorded job.
 */
export function answeredOwner(job: SimulatedJob, options: SimulatorOptions): string {
  const other = options.importOwnerAnswered;
  return job.operation === 'IMPORT' && other !== undefined ? other : job.owner;
}
