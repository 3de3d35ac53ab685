import { describe, expect, it } from 'vitest';
import { runLocalDoctor } from '../../../../local/commands/doctor-local.js';
import { UsageError } from '../../../../local/commands/state-machine.js';

describe('npm run doctor -- --local', () => {
  it('passes every check against the embedded simulator', async () => {
    const report = await runLocalDoctor({ database: 'orders' });

    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(15);
  });

  it('fails the directory check for a directory the simulator does not have', async () => {
    const report = await runLocalDoctor({ database: 'orders', directory: 'BACKUP_DIR' });

    expect(report.ok).toBe(false);
    expect(report.checks.at(-9)).toMatchObject({ name: 'Data Pump directory', status: 'failed' });
  });

  it('fails a secret file that is not a secret without quoting it', async () => {
    const report = await runLocalDoctor({
      database: 'orders',
      secret: { text: 'DBAPI_USER/hunter2', source: 'secret.txt' },
    });

    expect(report.checks[1]).toMatchObject({ name: 'Secret', status: 'failed' });
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('fails an ORDS URL that is not one before sending anything', async () => {
    await expect(
      runLocalDoctor({ database: 'orders', ordsUrl: 'ftp://db.example.com/' }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
