import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_VERSION } from '../../../functions/core/manifest/manifest.js';
import type { StoredFile } from '../../../functions/core/state/index.js';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';
import { parseS3Uri, verifyManifest } from '../../../local/verify/verify-manifest.js';
import { FakeOrds, fileBytes } from '../../helpers/fake-ords.js';
import { copyDeps, copyPayload, copyUntilDone, MiB } from '../core/transfer/transfer-fixtures.js';

let s3: LocalS3;
const DUMP = fileBytes(12 * MiB, 31);
const LOG = Buffer.from('Job "DBAPI_USER"."EXPORT" successfully completed\n');
let stored: StoredFile[];
const crc32Of = (body: Buffer) => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(zlib.crc32(body));
  return value.toString('base64');
};

async function writeManifest(
  key: string,
  files: readonly StoredFile[],
  manifestVersion: number = MANIFEST_VERSION,
): Promise<string> {
  await s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: key,
      Body: JSON.stringify({ manifestVersion, files }),
    }),
  );
  return `s3://${s3.bucket}/${key}`;
}

beforeAll(async () => {
  s3 = await startLocalS3();
  const ords = new FakeOrds({ 'A-01.DMP': DUMP, 'A.LOG': LOG });
  const deps = copyDeps(ords, s3, { minPartSizeBytes: 5 * MiB, partSizeFloorBytes: 5 * MiB });
  const dump = await copyUntilDone(
    { ...deps, remainingTimeMs: () => 0 },
    copyPayload('A-01.DMP', 'verify/A-01.DMP'),
  );
  const log = await copyUntilDone(deps, copyPayload('A.LOG', 'verify/A.LOG', 'log'));
  stored = [dump.file, log.file];
});

afterAll(async () => {
  await s3.stop();
});

describe('verifyManifest', () => {
  it('finds every listed file with the size and FULL_OBJECT CRC-32 recorded, and recomputes them on download', async () => {
    const uri = await writeManifest('verify/good/manifest.json', stored);

    const result = await verifyManifest({ s3: s3.client, manifestUri: uri, download: true });

    expect(stored[0]?.invocations).toBeGreaterThan(1);
    expect(result.ok).toBe(true);
    expect(result.files.map((file) => [file.key, file.problems])).toEqual([
      ['verify/A-01.DMP', []],
      ['verify/A.LOG', []],
    ]);
  });

  it("reports a backup's retention tier and the date it may be deleted from", async () => {
    const key = 'verify/tiered/manifest.json';
    const retention = { tier: 'weekly', expireAfterDays: 35, deletableFrom: '2027-01-12T00:00:00.000Z' };
    const body = JSON.stringify({ manifestVersion: MANIFEST_VERSION, files: stored, retention });
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

    const result = await verifyManifest({
      s3: s3.client,
      manifestUri: `s3://${s3.bucket}/${key}`,
      download: false,
    });

    expect(result.retention).toEqual({ tier: 'weekly', deletableFrom: '2027-01-12T00:00:00.000Z' });
  });

  it('fails on a manifest whose retention is not a tier', async () => {
    const key = 'verify/bad-tier/manifest.json';
    const body = JSON.stringify({
      manifestVersion: MANIFEST_VERSION,
      files: stored,
      retention: { tier: 'forever' },
    });
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

    await expect(
      verifyManifest({ s3: s3.client, manifestUri: `s3://${s3.bucket}/${key}`, download: false }),
    ).rejects.toThrow(/is not a manifest/);
  });

  it('checks the replicas in the off-site bucket: a run is off-site only when every replica matches', async () => {
    const offsite = await startLocalS3({ bucket: 'offsite' });
    try {
      const uri = await writeManifest('verify/offsite/manifest.json', stored);
      const replicate = async (file: StoredFile, body: Buffer) =>
        offsite.client.send(
          new PutObjectCommand({
            Bucket: offsite.bucket,
            Key: file.key,
            Body: body,
            ChecksumCRC32: crc32Of(body),
          }),
        );
      const check = () =>
        verifyManifest({
          s3: s3.client,
          manifestUri: uri,
          download: false,
          offsite: { s3: offsite.client, bucket: offsite.bucket },
        });

      // Only the log has replicated so far.
      await replicate(stored[1]!, LOG);
      const pending = await check();
      expect(pending.ok).toBe(false);
      expect(pending.bucket).toBe('offsite');
      expect(pending.files[0]!.problems).toEqual([expect.stringMatching(/^HeadObject failed: NotFound/)]);

      // Both have: the replicas' sizes and checksums are the manifest's.
      await replicate(stored[0]!, DUMP);
      const replicated = await check();
      expect(replicated.files.flatMap((file) => file.problems)).toEqual([]);
      expect(replicated.logScn.problems).toEqual([]);
      expect(replicated.ok).toBe(true);
      expect(
        (
          await verifyManifest({
            s3: s3.client,
            manifestUri: uri,
            download: true,
            offsite: { s3: offsite.client, bucket: offsite.bucket },
          })
        ).ok,
      ).toBe(true);

      // A replica that differs is a mismatch, not off-site.
      await replicate(stored[1]!, Buffer.from('another log\n'));
      const tampered = await check();
      expect(tampered.ok).toBe(false);
      expect(tampered.files[1]!.problems).toContain(`S3 holds 12 bytes, the manifest ${LOG.length}`);
    } finally {
      await offsite.stop();
    }
  });

  it('reads a version-2 manifest, written before the restore fields', async () => {
    // GIVEN a manifest an older deployment wrote
    const uri = await writeManifest('verify/v2/manifest.json', stored, 2);
    // WHEN it is verified
    const result = await verifyManifest({ s3: s3.client, manifestUri: uri, download: false });
    // THEN its files are checked as before
    expect(result.ok).toBe(true);
  });

  it('fails for a manifest version newer than it reads, saying to update', async () => {
    // GIVEN a manifest from a newer deployment
    const uri = await writeManifest('verify/v-next/manifest.json', stored, MANIFEST_VERSION + 1);
    // WHEN it is verified
    const error = await verifyManifest({ s3: s3.client, manifestUri: uri, download: false }).catch(
      (e: Error) => e,
    );
    // THEN it refuses rather than misread it
    expect((error as Error).message).toMatch(
      /manifestVersion \d+; this verify reads versions 2 to \d+\. Update/,
    );
  });

  it('fails for a file whose checksum, size or SHA-256 differ from the manifest, naming both values', async () => {
    const [dump, log] = stored as [StoredFile, StoredFile];
    const uri = await writeManifest('verify/bad/manifest.json', [
      { ...dump, bytes: dump.bytes + 1, checksum: { ...dump.checksum, value: 'AAAAAA==' } },
      { ...log, sha256: '0'.repeat(64) },
    ]);

    const result = await verifyManifest({ s3: s3.client, manifestUri: uri, download: true });

    expect(result.ok).toBe(false);
    expect(result.files[0]?.problems).toEqual(
      expect.arrayContaining([
        `S3 holds ${dump.bytes} bytes, the manifest ${dump.bytes + 1}`,
        `S3 shows CRC32 ${dump.checksum.value}, the manifest AAAAAA==`,
      ]),
    );
    expect(result.files[1]?.problems).toEqual([expect.stringContaining(`the manifest ${'0'.repeat(64)}`)]);
  });

  it('fails when a listed object was replaced after the backup', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'verify/C.LOG', Body: 'one' }));
    const [, log] = stored as [StoredFile, StoredFile];
    const uri = await writeManifest('verify/replaced/manifest.json', [{ ...log, key: 'verify/C.LOG' }]);

    const result = await verifyManifest({ s3: s3.client, manifestUri: uri, download: false });

    expect(result.ok).toBe(false);
    expect(result.files[0]?.problems).toContain('S3 shows checksum type none, the manifest FULL_OBJECT');
  });

  it('fails for an address that is not s3://bucket/key', () => {
    expect(() => parseS3Uri('https://bucket/key')).toThrow(
      'expected s3://<bucket>/<key>, got "https://bucket/key"',
    );
  });

  it('exits 0 when all files match and 1 on a mismatch, from the command line', async () => {
    const good = await writeManifest('verify/cli-good/manifest.json', stored);
    const bad = await writeManifest('verify/cli-bad/manifest.json', [
      {
        ...(stored[1] as StoredFile),
        checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: 'AAAAAA==' },
      },
    ]);
    const run = (uri: string) =>
      promisify(execFile)('npx', ['tsx', 'local/verify.ts', uri, '--s3-endpoint', s3.endpoint], {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
        },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );

    const [ok, mismatch] = await Promise.all([run(good), run(bad)]);

    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('All 2 files match.') });
    expect(mismatch).toMatchObject({ code: 1, stdout: expect.stringContaining('MISMATCH s3://') });
  }, 60_000);
});
