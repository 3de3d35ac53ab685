import { DoctorInputSchema, lastExportSeconds, runDoctor } from '../core/doctor/index.js';
import { connectOrds } from '../core/ords/index.js';
import { readProbeRecord } from '../core/run/index.js';
import { bindingFor, resetBindingCache } from '../shared/bindings.js';
import { boundDatabases } from '../shared/bound-databases.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { readSecretAs } from '../shared/secret-reader.js';

/**
 * The doctor, invoked on demand (`npm run doctor -- <database>`): checks a database's binding, secret,
 * ORDS, credentials, job list and directory from inside the deployment, and returns the report.
 */
export const handler = defineTask('Doctor', DoctorInputSchema, async ({ database }) => {
  // A doctor runs after a change: it must see the binding as deployed now, not as cached.
  resetBindingCache();
  const bindingPath = requiredEnv('DATABASE_PARAMETER_PATH');
  return runDoctor(
    {
      binding: bindingFor,
      knownDatabases: () => boundDatabases(bindingPath),
      bindingPath,
      // As the database asked for: a secret without its tag fails here as it would in a run.
      secretString: (secretId) => readSecretAs(database, secretId),
      connect: (binding, secret) =>
        connectOrds({ baseUrl: binding.ordsUrl, secret, secretId: binding.secretId, logger }),
      // For the undo check: the last export's elapsed time, from its manifest.
      lastExportSeconds: (binding) =>
        lastExportSeconds({ s3: s3Client(), bucket: requiredEnv('BUCKET_NAME') }, binding),
      // The point-in-time probe a run recorded for the database.
      probeRecord: async (binding) =>
        (
          await readProbeRecord(
            { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger },
            binding.prefix,
            binding.database,
          )
        ).record,
      logger,
    },
    database,
  );
});
