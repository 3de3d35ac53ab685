import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { type RestoreCommandOptions, runRestoreCommand } from '../../../../local/commands/restore.js';
import { UsageError } from '../../../../local/commands/state-machine.js';

const options: RestoreCommandOptions = {
  manifestUri: 's3://backups/orders/2026/12/07/DATAPUMP_REST_EXPORT_20261207020000/manifest.json',
  database: 'orders',
  targetSchema: 'HR_RESTORED',
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  secretText: JSON.stringify({ username: 'DBAPI_USER', password: 'hunter2' }),
  secretSource: 'secret.json',
  keyPrefix: '',
  path: 'auto',
  pollSeconds: 30,
  timeoutSeconds: 3600,
  remover: 'utl-file',
  presignSeconds: 300,
};
const deps = () => ({ s3: new S3Client({ region: 'us-east-1' }), out: () => {}, err: () => {} });

describe('npm run restore: arguments', () => {
  it.each([
    [{ database: 'Orders_1' }, /--database "Orders_1" is not a database id/],
    [{ keyPrefix: 'no-slash' }, /--key-prefix "no-slash" is not a key prefix/],
    [{ path: 'scp' as never }, /--path "scp" is not one of auto, get-object, chunked/],
    [{ presignSeconds: 86_400 }, /--presign-seconds 86400 must be from 60 to 3600/],
    [{ manifestUri: 'https://bucket/manifest.json' }, /expected s3:\/\/<bucket>/],
    [{ ordsCap: 0 }, /--ords-cap 0 must be a whole number from 1 to 100/],
    [{ ordsCap: 2.5 }, /--ords-cap 2.5 must be a whole number/],
    [{ deploymentCap: 20_000 }, /--deployment-cap 20000 must be a whole number from 1 to 10000/],
    [{ slotWaitMinutes: -1 }, /--slot-wait-minutes -1 must be from 0 to 1440/],
    [{ slotWaitMinutes: Number.NaN }, /--slot-wait-minutes NaN must be from 0 to 1440/],
  ])('fails %o with a usage error naming the value, sending nothing', async (change, message) => {
    const run = runRestoreCommand(deps(), { ...options, ...change });

    await expect(run).rejects.toThrow(UsageError);
    await expect(runRestoreCommand(deps(), { ...options, ...change })).rejects.toThrow(message);
  });

  it('fails a secret in another shape without quoting it', async () => {
    const run = runRestoreCommand(deps(), { ...options, secretText: 'DBAPI_USER/hunter2' });

    await expect(run).rejects.toThrow(/secret\.json/);
    await expect(
      runRestoreCommand(deps(), { ...options, secretText: 'DBAPI_USER/hunter2' }),
    ).rejects.not.toThrow(/hunter2/);
  });
});
