import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { ConfigError, parseConfig } from '../../infra/config/index.js';
import { newApp } from './synth.js';

const ORDERS = {
  id: 'orders',
  ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
  export: { jobMode: 'SCHEMA', schemas: ['HR'] },
};

/** The error building the app throws for `consistentExport` (a construct's own check), or ''. */
function synthError(consistentExport: unknown): string {
  const { app, cleanup } = newApp();
  try {
    buildApp(app, parseConfig({ databases: [{ ...ORDERS, consistentExport }] }, 'config/test.json'));
    return '';
  } catch (error) {
    return error instanceof ConfigError ? error.problems.join('\n') : (error as Error).message;
  } finally {
    cleanup();
  }
}

describe('consistentExport (point-in-time Data Pump options)', () => {
  it('takes the free options without any acknowledgement', () => {
    expect(synthError({ excludeStatistics: true, filesizeBytes: 64 * 1024 * 1024 })).toBe('');
  });

  it.each([
    [{ compression: 'ALL' }, /compression "ALL" needs the Oracle licence "advanced-compression"/],
    [{ encryption: 'DATA_ONLY' }, /encryption "DATA_ONLY" needs the Oracle licence "advanced-security"/],
    [
      { compression: 'DATA_ONLY', licensedOptions: ['advanced-security'] },
      /compression "DATA_ONLY" needs the Oracle licence "advanced-compression"/,
    ],
  ])('refuses a paid option at synth unless acknowledged, naming it: %j', (options, message) => {
    expect(synthError(options)).toMatch(message);
  });

  it('takes a paid option once its licence is acknowledged', () => {
    expect(
      synthError({
        compression: 'ALL',
        encryption: 'ALL',
        licensedOptions: ['advanced-compression', 'advanced-security'],
      }),
    ).toBe('');
  });

  it('refuses a file size outside 10 MiB to 1 TiB and an unknown option name', () => {
    expect(synthError({ filesizeBytes: 1024 })).toMatch(/filesizeBytes/);
    expect(synthError({ parallel: 4 })).toMatch(/parallel/);
  });
});
