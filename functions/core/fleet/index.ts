/**
 * The fleet in one night: night windows (DST nights included), the ORDS origin slots are counted
 * per, and the stable start order within a window. Pure; imports only `base/`.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export {
  currentOrNextWindow,
  type LocalStart,
  type NightWindow,
  nightWindowProblems,
  WINDOW_HOURS,
  type WindowOccurrence,
  windowOn,
} from './night-window.js';
export { ordsOrigin, originKeyProblem } from './ords-origin.js';
export { type RunHistory, type StartCandidate, startOrder } from './start-order.js';
export { type SlotCaps, type WindowDatabase, windowCapacityWarnings } from './window-capacity.js';
export { skippedStartNights, windowCron, windowKey, windowOpenedAt } from './window-schedule.js';
