import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { readLastBackup } from '../../../../functions/core/manifest/index.js';
import { type DatabaseBinding, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { optionsForRun } from '../../../../functions/core/run/run-filesize.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

const binding = (consistentExport?: DatabaseBinding['consistentExport']) =>
  DatabaseBindingSchema.parse(
    testBinding({ consistency: 'point-in-time', ...(consistentExport ? { consistentExport } : {}) }),
  );

/** An S3 client whose GetObject answers `text` as the database's last-backup.json. */
function storedRecord(text: string): S3Client {
  return {
    send: async () => ({ Body: { transformToString: async () => text } }),
  } as unknown as S3Client;
}

/** The real reader of last-backup.json over a stored text, as "Start export" wires it. */
const readerOf = (text: string) => async (b: DatabaseBinding) =>
  (await readLastBackup({ s3: storedRecord(text), bucket: 'backups' }, b))?.totalBytes ?? null;

const record = (totalBytes: unknown) =>
  JSON.stringify({
    lastBackupVersion: 1,
    database: 'orders',
    finishedAt: '2026-12-06T03:00:00.000Z',
    jobName: 'ODBK_X',
    verdict: 'succeeded',
    manifest: 's3://backups/orders/2026-12-06/ODBK_X/manifest.json',
    totalBytes,
  });

describe('optionsForRun (the FILESIZE of a point-in-time run)', () => {
  it('grows the dump file size to a whole number of GiB when the last backup stored 1 TiB', async () => {
    const logger = recordingLogger();

    const options = await optionsForRun({ lastDumpBytes: readerOf(record(TiB)), logger }, binding());

    // 1 TiB plus half again over 90 files: 17.07 GiB, rounded up to 18 GiB; 8 GiB would need 128 files.
    expect(options.filesizeBytes).toBe(18 * GiB);
    expect(Math.ceil((TiB * 1.5) / options.filesizeBytes!)).toBeLessThanOrEqual(99);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        extra: { filesizeBytes: 18 * GiB, source: 'last-backup', lastTotalBytes: TiB },
      }),
    );
  });

  it('uses 8 GiB when there is no record, or no reader, or a record without totalBytes', async () => {
    const logger = recordingLogger();

    expect((await optionsForRun({ lastDumpBytes: async () => null, logger }, binding())).filesizeBytes).toBe(
      8 * GiB,
    );
    expect((await optionsForRun({ logger }, binding())).filesizeBytes).toBe(8 * GiB);
    expect(
      (await optionsForRun({ lastDumpBytes: readerOf(record(undefined)), logger }, binding())).filesizeBytes,
    ).toBe(8 * GiB);
  });

  it('lets a configured filesizeBytes win over the last backup, without reading the record', async () => {
    let reads = 0;
    const options = await optionsForRun(
      {
        lastDumpBytes: async () => {
          reads += 1;
          return 50 * TiB;
        },
        logger: recordingLogger(),
      },
      binding({ filesizeBytes: 2 * GiB, excludeStatistics: true }),
    );

    expect(options).toEqual({ filesizeBytes: 2 * GiB, excludeStatistics: true });
    expect(reads).toBe(0);
  });

  it('keeps the other configured options beside the chosen size', async () => {
    const options = await optionsForRun(
      { lastDumpBytes: async () => TiB, logger: recordingLogger() },
      binding({ excludeStatistics: true }),
    );

    expect(options).toEqual({ excludeStatistics: true, filesizeBytes: 18 * GiB });
  });

  it.each([
    ['text that is not JSON', '{"lastBackupVersion":'],
    ['a totalBytes that is a string', record('1099511627776')],
    ['the record of another database', record(TiB).replace('"orders"', '"billing"')],
  ])('uses 8 GiB and warns, never failing the run, on %s', async (_what, text) => {
    const logger = recordingLogger();

    const options = await optionsForRun({ lastDumpBytes: readerOf(text), logger }, binding());

    expect(options.filesizeBytes).toBe(8 * GiB);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/last-backup record/) }),
    );
  });

  it.each([-5, 0, 1e308])(
    'never sends a size outside 8 GiB to 1 TiB for a recorded totalBytes of %d',
    async (totalBytes) => {
      const options = await optionsForRun(
        { lastDumpBytes: readerOf(record(totalBytes)), logger: recordingLogger() },
        binding(),
      );

      expect(options.filesizeBytes).toBeGreaterThanOrEqual(8 * GiB);
      expect(options.filesizeBytes).toBeLessThanOrEqual(TiB);
    },
  );

  it('uses 8 GiB when the reader fails (S3 refused or unreachable)', async () => {
    const options = await optionsForRun(
      {
        lastDumpBytes: async () => {
          throw new Error('AccessDenied');
        },
        logger: recordingLogger(),
      },
      binding(),
    );

    expect(options.filesizeBytes).toBe(8 * GiB);
  });
});
