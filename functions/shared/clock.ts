/**
 * The time the slot steps compare with a run's window. The system clock when deployed; a local run
 * on a simulated clock (`npm start`'s fleet tests) sets its own, shared by the runs in its process.
 */
let clock: () => Date = () => new Date();

/** Now, on the functions' clock. */
export function now(): Date {
  return clock();
}

/** Sets the functions' clock (a local run on a simulated clock); without `next`, the system clock again. */
export function setClock(next?: () => Date): void {
  clock = next ?? (() => new Date());
}
