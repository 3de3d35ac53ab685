import type { Agent } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyS3ClientSettings } from '../../../../functions/core/transfer/index.js';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import { copyDeps, copyPayload, copyUntilDone, MiB, readObject } from './transfer-fixtures.js';

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});

afterAll(async () => {
  await s3.stop();
});

describe('copyS3ClientSettings', () => {
  it('makes the SDK send our part CRC-32 as the one checksum, on a Buffer, not a second one of its own', async () => {
    // GIVEN a client with the SDK's defaults but for the copy's settings
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_S3_CREDENTIALS,
      forcePathStyle: true,
      ...copyS3ClientSettings(2),
    });
    const parts: Array<Record<string, string>> = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') {
          parts.push({ ...(args.request as { headers: Record<string, string> }).headers });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'recordParts' },
    );
    const file = fileBytes(2.5 * MiB, 5);
    const ords = new FakeOrds({ 'S-01.DMP': file });

    // WHEN a file is copied with it
    await copyUntilDone(
      copyDeps(ords, { client, bucket: s3.bucket }),
      copyPayload('S-01.DMP', 'sdk/S-01.DMP'),
    );
    client.destroy();

    // THEN every part carries exactly our CRC-32 header: no SDK algorithm, trailer or aws-chunked body
    expect(parts).toHaveLength(3);
    for (const headers of parts) {
      const checksums = Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-'));
      expect(checksums).toEqual(['x-amz-checksum-crc32']);
      expect(headers).not.toHaveProperty('x-amz-sdk-checksum-algorithm');
      expect(headers).not.toHaveProperty('x-amz-trailer');
      expect(headers['content-encoding'] ?? '').not.toContain('aws-chunked');
    }
    expect((await readObject(s3, 'sdk/S-01.DMP')).equals(file)).toBe(true);
  });

  it('reuses kept-alive connections for the parts instead of one new connection per part', async () => {
    // GIVEN the copy's settings, counting the connections their agent opens
    const settings = copyS3ClientSettings(2);
    const agent = (settings.requestHandler as { httpAgent: Agent }).httpAgent;
    let connections = 0;
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<Agent['createConnection']>) => {
      connections += 1;
      return createConnection(...args);
    };
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_S3_CREDENTIALS,
      forcePathStyle: true,
      ...settings,
    });
    const file = fileBytes(6.5 * MiB, 8);
    const ords = new FakeOrds({ 'K-01.DMP': file });

    // WHEN a file of 7 parts (each with Expect: 100-continue) is copied
    await copyUntilDone(
      copyDeps(ords, { client, bucket: s3.bucket }),
      copyPayload('K-01.DMP', 'sdk/K-01.DMP'),
    );
    client.destroy();

    // THEN at most one connection per part in flight and one more carried all of its requests (the
    // SDK's own agent opens a connection without keep-alive for every request expecting 100-continue)
    expect(connections).toBeGreaterThan(0);
    expect(connections).toBeLessThanOrEqual(3);
    expect((await readObject(s3, 'sdk/K-01.DMP')).equals(file)).toBe(true);
  });

  it('asks the SDK for no checksum of its own, and keeps one connection per part in flight and one more', () => {
    const { requestHandler, requestChecksumCalculation, responseChecksumValidation } =
      copyS3ClientSettings(3);

    expect([requestChecksumCalculation, responseChecksumValidation]).toEqual([
      'WHEN_REQUIRED',
      'WHEN_REQUIRED',
    ]);
    const { httpAgent, httpsAgent } = requestHandler as { httpAgent: Agent; httpsAgent: Agent };

    for (const agent of [httpAgent, httpsAgent]) {
      // Node keeps the constructor's options on the agent (`agent.options`, not in @types/node).
      expect((agent as Agent & { options: { keepAlive?: boolean } }).options.keepAlive).toBe(true);
      expect(agent.maxSockets).toBe(4);
    }
  });
});
