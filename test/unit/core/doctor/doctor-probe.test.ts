import { describe, expect, it } from 'vitest';
import { checkProbeRecord } from '../../../../functions/core/doctor/doctor-probe.js';
import type { ConsistencyProbeRecord } from '../../../../functions/core/run/index.js';

const URL = 'https://db.example.com/ords/pdb1/dbapi_user/';
const binding = (consistency: 'per-table' | 'point-in-time' | 'auto') => ({
  consistency,
  ordsUrl: URL,
  prefix: '',
  database: 'orders',
});
const record = (outcome: 'served' | 'refused', ordsUrl = URL): ConsistencyProbeRecord => ({
  probeVersion: 1,
  database: 'orders',
  ordsUrl,
  outcome,
  ...(outcome === 'refused' ? { reason: 'ORDS answers 404 for the log X.LOG' } : {}),
  probedAt: '2026-12-07T02:00:05.000Z',
  executionName: 'orders_1',
});

describe('checkProbeRecord', () => {
  it('passes a served probe, and skips before any probe or for another ORDS URL', () => {
    expect(checkProbeRecord(binding('auto'), record('served')).status).toBe('ok');
    expect(checkProbeRecord(binding('auto'), null).status).toBe('skipped');
    expect(checkProbeRecord(binding('auto'), record('refused', 'https://old.example.com/ords/')).status).toBe(
      'skipped',
    );
  });

  it('fails a refused probe under point-in-time with the way to probe again, and says per-table under auto', () => {
    expect(checkProbeRecord(binding('point-in-time'), record('refused'))).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('ORDS answers 404'),
      fix: expect.stringContaining('consistency-probe.json to probe again'),
    });
    expect(checkProbeRecord(binding('auto'), record('refused'))).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('Backups are per-table'),
    });
  });
});
