import { describe, expect, it } from 'vitest';
import {
  heldTags,
  taggingHeader,
  tierOfTags,
  withRetentionTags,
  writeTimeTags,
} from '../../../../functions/core/retention/index.js';

describe('tier tags', () => {
  it('writes every object as a daily that expires after the daily days', () => {
    const tags = writeTimeTags({ daily: 7, weekly: 5, monthly: 12, yearly: 7 });
    expect(tags).toEqual([
      { Key: 'tier', Value: 'daily' },
      { Key: 'expire-after-days', Value: '7' },
    ]);
    expect(taggingHeader(tags)).toBe('tier=daily&expire-after-days=7');
  });

  it('holds the newest backup with its tier and no expiry tag', () => {
    expect(heldTags('monthly')).toEqual([{ Key: 'tier', Value: 'monthly' }]);
  });

  it('replaces the retention tags and keeps the copy marker tags', () => {
    const existing = [
      { Key: 'crc32', Value: 'AAAAAA==' },
      { Key: 'tier', Value: 'daily' },
      { Key: 'expire-after-days', Value: '7' },
    ];
    expect(withRetentionTags(existing, heldTags('weekly'))).toEqual([
      { Key: 'crc32', Value: 'AAAAAA==' },
      { Key: 'tier', Value: 'weekly' },
    ]);
  });

  it('reads the tier of a tag set, and none from a hostile value', () => {
    expect(tierOfTags([{ Key: 'tier', Value: 'yearly' }])).toBe('yearly');
    expect(tierOfTags([{ Key: 'tier', Value: 'forever' }])).toBeUndefined();
  });
});
