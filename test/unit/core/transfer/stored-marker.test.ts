import { describe, expect, it } from 'vitest';
import { markerTags, readMarker } from '../../../../functions/core/transfer/stored-marker.js';

const SHA = 'a'.repeat(64);
const CRC = 'AAECAw==';

describe('stored marker', () => {
  it('reads back the tags it writes, with and without a SHA-256', () => {
    const marker = { crc32: CRC, bytes: 123, invocations: 4 };
    expect(readMarker(markerTags(marker))).toEqual(marker);
    expect(readMarker(markerTags({ ...marker, sha256: SHA }))).toEqual({ ...marker, sha256: SHA });
  });

  it('reads nothing from an object without tags', () => {
    expect(readMarker(undefined)).toBeNull();
    expect(readMarker([])).toBeNull();
  });

  it('reads nothing when the CRC-32 or the size is missing or malformed', () => {
    expect(readMarker([{ Key: 'bytes', Value: '12' }])).toBeNull();
    expect(readMarker([{ Key: 'crc32', Value: CRC }])).toBeNull();
    expect(
      readMarker([
        { Key: 'crc32', Value: 'xyz' },
        { Key: 'bytes', Value: '12' },
      ]),
    ).toBeNull();
    expect(
      readMarker([
        { Key: 'crc32', Value: CRC },
        { Key: 'bytes', Value: '-1' },
      ]),
    ).toBeNull();
  });

  it('reads nothing from the tags of a copy made before the CRC-32 marker, so it is copied again', () => {
    expect(
      readMarker([
        { Key: 'sha256', Value: SHA },
        { Key: 'bytes', Value: '12' },
        { Key: 'invocations', Value: '1' },
      ]),
    ).toBeNull();
  });

  it('counts one invocation when the tag is absent', () => {
    expect(
      readMarker([
        { Key: 'crc32', Value: CRC },
        { Key: 'bytes', Value: '0' },
      ]),
    ).toEqual({ crc32: CRC, bytes: 0, invocations: 1 });
  });

  it('reads back the transfer time, and ignores one that is not a whole number of milliseconds', () => {
    const marker = { crc32: CRC, bytes: 5, invocations: 1, transferMs: 1234 };
    expect(readMarker(markerTags(marker))).toEqual(marker);
    for (const bad of ['-1', '1.5', '1e3', '', '01']) {
      expect(
        readMarker([
          { Key: 'crc32', Value: CRC },
          { Key: 'bytes', Value: '5' },
          { Key: 'transfer-ms', Value: bad },
        ]),
      ).toEqual({ crc32: CRC, bytes: 5, invocations: 1 });
    }
  });
});
