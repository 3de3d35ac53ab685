import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyProgress } from '../../../../functions/core/state/index.js';
import { copyFile } from '../../../../functions/core/transfer/copy-file.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import {
  copyDeps,
  copyPayload,
  copyUntilDone,
  fullObjectCrc32,
  MiB,
  readObject,
} from './transfer-fixtures.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});
afterAll(() => s3.stop());

describe('copyFile after a killed invocation', () => {
  it('resumes from the last stored part of its input when the invocation after it was killed', async () => {
    // GIVEN a first invocation that stored one part and returned its continuation
    const file = fileBytes(6.5 * MiB, 11);
    const ords = new FakeOrds({ 'K-01.DMP': file });
    const payload = copyPayload('K-01.DMP', 'killed/K-01.DMP');
    const first = (await copyFile(copyDeps(ords, s3, { remainingTimeMs: () => 0 }), payload)) as CopyProgress;
    expect(first.done).toBe(false);

    // AND a second invocation, killed by its timeout: it uploaded more parts but never returned
    let calls = 0;
    const killed = copyDeps(ords, s3, {
      remainingTimeMs: () => (++calls < 4 ? 600_000 : 0),
      safetyMarginMs: 1,
    });
    await copyFile(killed, { ...payload, progress: first });

    // WHEN Step Functions retries the killed invocation with the same input
    const { file: stored } = await copyUntilDone(copyDeps(ords, s3), { ...payload, progress: first });

    // THEN the object is the file, byte for byte, and its CRC-32 is the whole file's
    expect(stored.checksum).toEqual(fullObjectCrc32(file));
    expect(stored.bytes).toBe(file.length);
    expect((await readObject(s3, 'killed/K-01.DMP')).equals(file)).toBe(true);
  });
});
