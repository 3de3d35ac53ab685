import { describe, expect, it } from 'vitest';
import { markerTags, readMarker } from '../../../functions/core/transfer/stored-marker.js';

const SHA = 'a'.repeat(64);

describe('stored marker', () => {
  it('reads back the tags it writes', () => {
    const marker = { sha256: SHA, bytes: 123, invocations: 4 };
    expect(readMarker(markerTags(marker))).toEqual(marker);
  });

  it('reads nothing from an object without tags', () => {
    expect(readMarker(undefined)).toBeNull();
    expect(readMarker([])).toBeNull();
  });

  it('reads nothing when the SHA-256 or the size is missing or malformed', () => {
    expect(readMarker([{ Key: 'bytes', Value: '12' }])).toBeNull();
    expect(readMarker([{ Key: 'sha256', Value: SHA }])).toBeNull();
    expect(
      readMarker([
        { Key: 'sha256', Value: 'xyz' },
        { Key: 'bytes', Value: '12' },
      ]),
    ).toBeNull();
    expect(
      readMarker([
        { Key: 'sha256', Value: SHA },
        { Key: 'bytes', Value: '-1' },
      ]),
    ).toBeNull();
  });

  it('counts one invocation when the tag is absent', () => {
    expect(
      readMarker([
        { Key: 'sha256', Value: SHA },
        { Key: 'bytes', Value: '0' },
      ]),
    ).toEqual({
      sha256: SHA,
      bytes: 0,
      invocations: 1,
    });
  });
});
