import { describe, expect, it } from 'vitest';
import {
  CONSISTENT_JOB_PREFIX,
  checkJobName,
  consistentJobName,
  doctorProbeJobName,
  isConsistentJobName,
} from '../../../../functions/core/export/index.js';

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:prod-orders-2026-12-07T02-00';

describe('consistentJobName', () => {
  it('is ODBK_ plus 25 base32 characters, 30 in all, and a simple SQL name', () => {
    const name = consistentJobName(ARN);
    expect(name).toMatch(/^ODBK_[A-Z2-7]{25}$/);
    expect(name).toHaveLength(30);
    expect(checkJobName(name)).toBe(name);
  });

  it('gives the same name for the same run, so a retry finds its job', () => {
    expect(consistentJobName(ARN)).toBe(consistentJobName(ARN));
  });

  it('gives different names to runs whose ids differ in one character', () => {
    expect(consistentJobName(`${ARN}1`)).not.toBe(consistentJobName(`${ARN}2`));
  });

  it('never starts like the jobs ORDS names', () => {
    expect(consistentJobName(ARN).startsWith('DATAPUMP_REST_EXPORT_')).toBe(false);
    expect(isConsistentJobName(consistentJobName(ARN))).toBe(true);
    expect(isConsistentJobName('DATAPUMP_REST_EXPORT_20261207020001')).toBe(false);
  });

  it('fails for an empty run id', () => {
    expect(() => consistentJobName('  ')).toThrow(/run id/);
  });
});

describe('checkJobName', () => {
  it.each([
    ['a quote', 'ODBK_A"B'],
    ['lower case', 'odbk_abc'],
    ['31 characters', `${CONSISTENT_JOB_PREFIX}${'A'.repeat(26)}`],
    ['a leading digit', '1ODBK'],
    ['an ampersand', 'ODBK_A&B'],
  ])('fails for a name with %s and names it', (_, name) => {
    expect(() => checkJobName(name)).toThrow(JSON.stringify(name));
  });
});

describe('doctorProbeJobName', () => {
  it("is ODBK_DR_ plus 22 base32 characters (30), a consistent job name, never a run's, and names the probe", () => {
    const name = doctorProbeJobName('doctor-orders-20261207T055000000Z');

    expect(name).toMatch(/^ODBK_DR_[A-Z2-7]{22}$/);
    expect(name).toHaveLength(30);
    expect(isConsistentJobName(name)).toBe(true);
    expect(doctorProbeJobName('doctor-orders-20261207T055000000Z')).toBe(name);
    expect(doctorProbeJobName('doctor-orders-20261207T055001000Z')).not.toBe(name);
    // A run's name has no underscore after ODBK_ (base32 has none), so it never looks like the doctor's.
    expect(consistentJobName(ARN).slice(CONSISTENT_JOB_PREFIX.length)).not.toContain('_');
    expect(() => doctorProbeJobName(' ')).toThrow('the id of a doctor probe is empty');
  });
});
