/**
 * `doctor`: checks a database's binding, secret, ORDS, grants and directory in order, and says
 * how to fix the first failure.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export type { Check, DoctorReport } from './doctor.js';
export { CHECK_NAMES, DoctorInputSchema, runDoctor } from './doctor.js';
export { lastExportSeconds } from './doctor-last-export.js';
export { checkUndo, elapsedSecondsOf, UNDO_CHECK, UNDO_MARGIN, UNDO_QUERY } from './doctor-undo.js';
