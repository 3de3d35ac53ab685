import { describe, expect, it } from 'vitest';
import { parseManifestUri, readRestoreSource } from '../../../../functions/core/restore/index.js';

const URI = 's3://backups/orders/2026/12/07/DATAPUMP_REST_EXPORT_20261207020000/manifest.json';

/** An S3 client whose only object is this manifest. */
function s3With(manifest: unknown) {
  return {
    send: async () => ({ Body: { transformToString: async () => JSON.stringify(manifest) } }),
  } as never;
}

const manifest = {
  manifestVersion: 3,
  database: 'orders',
  jobName: 'DATAPUMP_REST_EXPORT_20261207020000',
  runId: '1A2B',
  dumpFile: 'ORDERS-20261207T020000Z-1A2B-%U.DMP',
  verdict: 'succeeded',
  files: [],
  exportSpec: { datapumpDir: 'DATA_PUMP_DIR' },
  exported: null,
};

describe('readRestoreSource', () => {
  it('fails a manifest of version 2, which does not record what a restore needs', async () => {
    await expect(readRestoreSource(s3With({ ...manifest, manifestVersion: 2 }), URI)).rejects.toThrow(
      /manifestVersion 2; a restore reads versions 3 to/,
    );
  });

  it('fails a manifest of a failed export', async () => {
    await expect(readRestoreSource(s3With({ ...manifest, verdict: 'failed' }), URI)).rejects.toThrow(
      /records a failed export/,
    );
  });

  it('fails a manifest that lists no dump file', async () => {
    await expect(readRestoreSource(s3With(manifest), URI)).rejects.toThrow(/lists no dump file/);
  });

  it('fails a URI that is not a manifest in S3, naming it', () => {
    expect(() => parseManifestUri('s3://backups/orders/last-backup.json')).toThrow(
      /got "s3:\/\/backups\/orders\/last-backup.json"/,
    );
  });
});
