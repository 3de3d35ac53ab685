/** The end-to-end tests' harness: the one `npm run large-run` uses too, kept in local/. */
export { type Harness, PASSWORD, SECRET, startHarness } from '../../local/harness.js';
