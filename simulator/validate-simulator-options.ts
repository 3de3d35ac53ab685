import { timeZoneProblem } from './database-clock.js';
import type { SimulatorOptions } from './simulator-options.js';
import { LOG_LANGUAGES } from './switch-types.js';

/** Checks switch values that would otherwise fail obscurely later; throws naming the switch and value. */
export function validateSimulatorOptions(options: SimulatorOptions): void {
  const fail = (name: string, value: unknown, allowed: string): never => {
    throw new Error(`ORDS simulator: ${name} must be ${allowed}, got ${JSON.stringify(value)}`);
  };
  for (const name of ['basePath', 'linkBasePath'] as const) {
    const value = options[name];
    if (value !== undefined && !/^\/(?:[^/]+\/)*$/.test(value)) {
      fail(name, value, 'a path starting and ending with "/"');
    }
  }
  if (!LOG_LANGUAGES.includes(options.logLanguage)) {
    fail('logLanguage', options.logLanguage, `one of ${LOG_LANGUAGES.join(', ')}`);
  }
  const zone = timeZoneProblem(options.databaseTimeZone);
  if (zone) fail('databaseTimeZone', options.databaseTimeZone, zone);
  if (options.jobNameClock !== 'utc' && options.jobNameClock !== 'database') {
    fail('jobNameClock', options.jobNameClock, "'utc' or 'database'");
  }
  if (!Number.isInteger(options.pageLimit) || options.pageLimit < 1) {
    fail('pageLimit', options.pageLimit, 'an integer ≥ 1');
  }
  if (!(options.jobAppearsAfterMs >= 0)) fail('jobAppearsAfterMs', options.jobAppearsAfterMs, 'a number ≥ 0');
  for (const [name, value] of Object.entries(options.listNoise)) {
    if (!Number.isInteger(value) || value < 0 || value > 1000) {
      fail(`listNoise.${name}`, value, 'an integer from 0 to 1000');
    }
  }
  if (!Number.isInteger(options.dumpFiles) || options.dumpFiles < 1 || options.dumpFiles > 99) {
    fail('dumpFiles', options.dumpFiles, 'an integer from 1 to 99');
  }
  const sizes = typeof options.dumpFileBytes === 'number' ? [options.dumpFileBytes] : options.dumpFileBytes;
  if (sizes.length === 0 || !sizes.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    fail('dumpFileBytes', options.dumpFileBytes, 'a byte count or a non-empty list of byte counts');
  }
  if (!Number.isInteger(options.pollsPerState) || options.pollsPerState < 0) {
    fail('pollsPerState', options.pollsPerState, 'an integer ≥ 0');
  }
  if (options.msPerState !== undefined && !(options.msPerState > 0)) {
    fail('msPerState', options.msPerState, 'a number > 0 or undefined');
  }
  for (const name of ['linkOrigin', 'locationOrigin'] as const) {
    const value = options[name];
    if (value !== undefined && !/^https?:\/\/[^/]+$/.test(value)) {
      fail(name, value, 'an origin such as https://ords.proxy.example:8443 (no path, no trailing "/")');
    }
  }
}
