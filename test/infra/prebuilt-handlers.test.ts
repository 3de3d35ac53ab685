import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PREBUILT_HANDLERS, prebuiltHandler } from '../../infra/constructs/backup-function.js';

describe('prebuilt handler bundles', () => {
  it('are looked up next to the running construct', () => {
    // From source that is infra/constructs/lambda/, which no build writes: the source bundles itself.
    expect(PREBUILT_HANDLERS).toBe(join(import.meta.dirname, '..', '..', 'infra', 'constructs', 'lambda'));
  });

  it('refuse a missing bundle, naming the file and the build step', () => {
    expect(() => prebuiltHandler('read-job.ts')).toThrow(
      `The prebuilt bundle of the handler read-job.ts is missing: no ${join(PREBUILT_HANDLERS, 'read-job', 'index.mjs')}. ` +
        'The package was built without `npm run build`.',
    );
  });
});
